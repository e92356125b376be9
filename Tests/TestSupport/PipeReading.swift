public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads and writes pipes with read(2)/write(2), retrying on EINTR. Foundation's `FileHandle.availableData` and
/// `readDataToEndOfFile()` trap on an interrupted system call, which a test process full of children does get.
public enum PipeReading {
    /// The next chunk, or an empty `Data` at end of file (or on an error other than EINTR).
    public static func readChunk(_ fd: Int32) -> Data {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count >= 0 { return Data(buffer[0..<count]) }
            if errno != EINTR { return Data() }
        }
    }

    /// Everything until end of file.
    public static func readToEnd(_ fd: Int32) -> Data {
        var data = Data()
        while true {
            let chunk = self.readChunk(fd)
            if chunk.isEmpty { return data }
            data.append(chunk)
        }
    }

    /// Writes all of `data`.
    public static func writeAll(_ data: Data, to fd: Int32) {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
