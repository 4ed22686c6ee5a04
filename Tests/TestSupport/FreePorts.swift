#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Ports on 127.0.0.1 that the kernel lets a server bind, for private test servers.
public enum FreePorts {
    /// Ports already handed out in this test process: never given twice, so two servers started by tests running
    /// in parallel can't both be told the same port while the first one is still starting.
    private static let handedOut = Mutex<Set<Int>>([])

    /// `count` distinct ports that the kernel lets us bind on 127.0.0.1 right now, picked at random below the
    /// ephemeral range (32768+), so outgoing connections can't grab them meanwhile. Another test could still
    /// take one between this call and its use: callers retry on "Address already in use".
    public static func take(_ count: Int) throws -> [Int] {
        var ports: [Int] = []
        var tries = 0
        while ports.count < count {
            tries += 1
            guard tries < 1000 else { throw ChildProcessError(command: "bind()", output: "no free port found") }
            let port = Int.random(in: 20000..<32000)
            guard isFree(port), handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            ports.append(port)
        }
        return ports
    }

    /// Whether the kernel lets us bind `port` on 127.0.0.1 (SO_REUSEADDR, as servers set it).
    public static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
