/// A CUDA event on the default stream, destroyed when released.
final class CUDAEvent {
  let driver: CUDADriver
  let handle: OpaquePointer?

  init(_ driver: CUDADriver) throws(CUDAError) {
    self.driver = driver
    var e: OpaquePointer?
    try driver.check(driver.cuEventCreate(&e, 0), "cuEventCreate")
    handle = e
  }

  deinit { _ = driver.cuEventDestroy(handle) }

  /// Records the event on the default stream.
  func record() throws(CUDAError) {
    try driver.check(driver.cuEventRecord(handle, nil), "cuEventRecord")
  }

  /// Milliseconds from `start` to this event; both must have completed.
  func milliseconds(since start: CUDAEvent) throws(CUDAError) -> Double {
    try driver.check(driver.cuEventSynchronize(handle), "cuEventSynchronize")
    var ms: Float = 0
    try driver.check(driver.cuEventElapsedTime(&ms, start.handle, handle), "cuEventElapsedTime")
    return Double(ms)
  }
}
