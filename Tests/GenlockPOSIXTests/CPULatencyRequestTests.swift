import Glibc
import GenlockPOSIX
import Testing

@Suite("CPULatencyRequest")
struct CPULatencyRequestTests {
    @Test("a negative target is rejected before touching the device")
    func negativeTarget() {
        #expect(throws: CPULatencyRequestError.invalidTarget(-1)) { try CPULatencyRequest(targetUs: -1) }
    }

    @Test("the request is in force while held, or the error names the device")
    func heldOrNamedError() throws {
        let request: CPULatencyRequest
        do {
            request = try CPULatencyRequest(targetUs: 0)
        } catch {
            // Not root, or no PM QoS device: the error must say which file and operation.
            #expect("\(error)".contains(CPULatencyRequest.devicePath))
            return
        }
        defer { request.release() }
        // Reading the device gives the aggregate target now in force: ours (0) is the minimum.
        let fd = open(CPULatencyRequest.devicePath, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var current: Int32 = -1
        let n = read(fd, &current, MemoryLayout<Int32>.size)
        #expect(n == MemoryLayout<Int32>.size)
        #expect(current == 0)
    }

    @Test("release is idempotent")
    func releaseTwice() {
        guard let request = try? CPULatencyRequest(targetUs: 0) else { return }
        request.release()
        request.release()
        #expect(request.targetUs == 0)
    }
}
