import ArgumentParser

/// Why a command stopped, mapped once to the exit status and the one line on standard error.
///
/// Every command throws either this or a library's typed error; ``LeanAttn/main()``
/// turns any of them into the project's contract: 0 success, 1 the candidate
/// failed (`compare`, `cuda-check`), 2 bad input, usage or I/O, 3 no GPU.
enum CommandLineError: Error, CustomStringConvertible {
  /// A flag or argument is out of range or inconsistent with another.
  case usage(String)
  /// An input file or value could not be used.
  case input(String)
  /// The file system refused a read or write.
  case io(String)
  /// This machine has no usable GPU.
  case noGPU(String)
  /// The candidate (or a case) failed; the report is already on standard output.
  case candidateFailed(String)

  /// The process exit status.
  var exitStatus: Int32 {
    switch self {
    case .candidateFailed: return 1
    case .usage, .input, .io: return 2
    case .noGPU: return 3
    }
  }

  var description: String {
    switch self {
    case .usage(let s), .input(let s), .io(let s), .candidateFailed(let s): return s
    case .noGPU(let s): return "no GPU: \(s)"
    }
  }
}
