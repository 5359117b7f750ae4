import ArgumentParser

@main
struct LeanAttn: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "leanattn",
    abstract:
      "Exact attention, its work decompositions, and golden files to check kernels against.",
    subcommands: [
      Demo.self, ScheduleCommand.self, CasesCommand.self, GoldenCommand.self, InspectCommand.self,
      CompareCommand.self, CUDACompileCommand.self, CUDACheckCommand.self, Bench.self,
      ExplainCommand.self, PicturesCommand.self,
    ]
  )
}
