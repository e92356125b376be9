import Glibc

/// Text for an `errno` value, for error messages (`strerror` is not thread-safe, `strerror_r` is).
func describeErrno(_ number: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    // Swift sees the XSI `strerror_r`, which fills the buffer and returns 0 on success.
    let text: String? = buffer.withUnsafeMutableBufferPointer { pointer in
        guard let base = pointer.baseAddress, strerror_r(number, base, pointer.count) == 0 else { return nil }
        return String(cString: base)
    }
    return "\(text ?? "unknown error") (errno \(number))"
}
