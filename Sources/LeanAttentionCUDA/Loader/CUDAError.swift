/// Why the CUDA path could not run, with what to do about it.
public enum CUDAError: Error, Hashable, Sendable {
  /// `libcuda.so.1` could not be opened.
  case driverNotFound(tried: [String], reason: String)
  /// NVRTC could not be found in any searched place.
  case nvrtcNotFound(tried: [String])
  /// A library lacks a function this path needs.
  case missingSymbol(library: String, symbol: String)
  /// A driver API call failed.
  case driver(call: String, code: Int32, name: String)
  /// An NVRTC call failed.
  case nvrtc(call: String, code: Int32, message: String)
  /// A kernel did not compile.
  case compilation(arch: String, log: String)
  /// `LEANATTN_KERNEL_SOURCE` names a file that could not be read.
  case kernelSource(path: String)
  /// The machine has a driver but no device.
  case noDevice
  /// The problem or schedule is outside what the kernels handle.
  case unsupported(String)
  /// A lean host CTA waited longer than its limit for a peer's partial state
  /// (a schedule whose peer never runs, or CTAs that were not resident together).
  case peerNeverArrived(waitMilliseconds: Double)
}

extension CUDAError {
  /// Whether the error means this machine has no usable GPU (no driver, or no device).
  public var isMissingGPU: Bool {
    switch self {
    case .driverNotFound, .noDevice: return true
    case .driver(let call, _, let name):
      return call == "cuInit"
        && (name == "CUDA_ERROR_NO_DEVICE" || name == "CUDA_ERROR_INSUFFICIENT_DRIVER")
    default: return false
    }
  }
}

extension CUDAError: CustomStringConvertible {
  /// One line saying what failed and what to do about it, as the CLI prints it.
  public var description: String {
    switch self {
    case .driverNotFound(let tried, let reason):
      return
        "no CUDA driver on this machine (tried \(tried.joined(separator: ", ")): \(reason)); install the NVIDIA driver or run on a GPU machine"
    case .nvrtcNotFound(let tried):
      return
        "NVRTC not found; set LEANATTN_NVRTC to libnvrtc.so, or `pip install nvidia-cuda-nvrtc` into .venv (searched: \(tried.joined(separator: ", ")))"
    case .missingSymbol(let lib, let sym):
      return "\(lib) has no symbol \(sym); it is too old or not the library expected"
    case .driver(let call, let code, let name):
      return "\(call) failed with \(code) (\(name))"
    case .nvrtc(let call, let code, let message):
      return "\(call) failed with \(code) (\(message))"
    case .compilation(let arch, let log):
      return "kernels did not compile for \(arch):\n\(log)"
    case .kernelSource(let path):
      return
        "LEANATTN_KERNEL_SOURCE=\(path) cannot be read; name a readable CUDA C file with decode.cu's kernels and parameter block, or unset it to use the built-in kernels"
    case .noDevice:
      return "the CUDA driver reports no device"
    case .unsupported(let why):
      return "not supported by the CUDA kernels: \(why)"
    case .peerNeverArrived(let ms):
      return
        "a lean host CTA waited \(ms) ms for a peer's partial state that never arrived; the output is not valid (a broken schedule, or CTAs that were not resident together)"
    }
  }
}
