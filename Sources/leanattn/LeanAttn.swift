import ArgumentParser
import Foundation
import LeanAttentionCUDA

@main
struct LeanAttn: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "leanattn",
    abstract:
      "Exact attention, its work decompositions, and golden files to check kernels against.",
    discussion:
      "Exit status: 0 success, 1 the candidate failed (compare, cuda-check), 2 bad input, usage or I/O (one line on standard error), 3 no GPU.",
    subcommands: [
      Demo.self, ScheduleCommand.self, CasesCommand.self, GoldenCommand.self, InspectCommand.self,
      CompareCommand.self, CUDACompileCommand.self, CUDACheckCommand.self, Bench.self,
      ExplainCommand.self, PicturesCommand.self,
    ]
  )

  /// Parses, runs, and maps every error to one exit status and at most one line on standard error.
  static func main() {
    let command: ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      exit(withContractFor: error, usage: true)
    }
    do {
      var c = command
      try c.run()
    } catch {
      exit(withContractFor: error, usage: false)
    }
    Foundation.exit(0)
  }

  /// Exits with the status and message `error` stands for.
  static func exit(withContractFor error: Error, usage parsing: Bool) -> Never {
    let (status, message) = contract(for: error, parsing: parsing)
    if let message {
      if status == 0 {
        print(message)
      } else {
        FileHandle.standardError.write(Data(("leanattn: " + message + "\n").utf8))
      }
    }
    Foundation.exit(status)
  }

  /// The exit status and the message (one line; `nil` for none) for `error`.
  static func contract(for error: Error, parsing: Bool) -> (Int32, String?) {
    switch error {
    case let e as CommandLineError:
      return (e.exitStatus, e.exitStatus == 1 ? nil : oneLine(e.description))
    case let e as ExitCode:
      return (e.rawValue, nil)
    case let e as CUDAError where e.isMissingGPU:
      return (3, oneLine("no GPU: \(e)"))
    default:
      break
    }
    let code = exitCode(for: error)
    if code == .success {
      // --help, --version: the full text, on standard output.
      return (0, fullMessage(for: error))
    }
    if parsing || code == .validationFailure || error is ValidationError {
      return (2, oneLine(message(for: error)) + " (see --help)")
    }
    if let e = error as? CocoaError {
      return (2, oneLine(IOErrorText.describe(e)))
    }
    return (2, oneLine("\(error)"))
  }

  /// `text` with its lines joined, so that an error is one line.
  static func oneLine(_ text: String) -> String {
    var s = text
    if s.hasPrefix("Error: ") { s.removeFirst("Error: ".count) }
    return s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }.joined(separator: "; ")
  }
}

/// A file-system error in words (path and reason), never an NSError dump.
enum IOErrorText {
  static func describe(_ e: CocoaError) -> String {
    let path = e.filePath ?? e.url?.path ?? "a file"
    let reason: String
    switch e.code {
    case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or directory"
    case .fileWriteFileExists: reason = "already exists"
    case .fileReadNoPermission, .fileWriteNoPermission: reason = "permission denied"
    case .fileWriteOutOfSpace: reason = "no space left on the device"
    case .fileWriteVolumeReadOnly: reason = "the file system is read-only"
    default:
      if let u = e.underlying as? POSIXError {
        reason = String(cString: strerror(u.code.rawValue))
      } else {
        reason = "the file system refused it (Cocoa error \(e.code.rawValue))"
      }
    }
    return "\(path): \(reason)"
  }
}
