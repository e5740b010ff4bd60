import GenlockControl
import Testing

@Suite struct HostPortTests {
    @Test func theLastColonSeparatesHostAndPort() {
        #expect(HostPort(parsing: "10.0.0.1:7400") == HostPort(parsing: "10.0.0.1:7400"))
        #expect(HostPort(parsing: "10.0.0.1:7400")?.host == "10.0.0.1")
        #expect(HostPort(parsing: "coordinator.local:7400")?.port == 7400)
        #expect(HostPort(parsing: "127.0.0.1:0", allowingPortZero: true)?.port == 0)
        #expect(HostPort(parsing: "127.0.0.1:7400")?.description == "127.0.0.1:7400")
        // IPv6, bare or in brackets (the brackets were taken for part of the host name).
        #expect(HostPort(parsing: "::1:7400") == HostPort(host: "::1", port: 7400))
        #expect(HostPort(parsing: "[::1]:7400") == HostPort(host: "::1", port: 7400))
        #expect(HostPort(parsing: "[fe80::1]:7401")?.host == "fe80::1")
    }

    @Test func aListenerOnEveryAddressIsDialledWhereThePeerReachedIt() {
        #expect(HostPort(host: "0.0.0.0", port: 7401).dialable(reachedHost: "10.1.2.3") == HostPort(host: "10.1.2.3", port: 7401))
        #expect(HostPort(host: "::", port: 7401).dialable(reachedHost: "coord.local") == HostPort(host: "coord.local", port: 7401))
        #expect(HostPort(host: "10.9.9.9", port: 7401).dialable(reachedHost: "10.1.2.3") == HostPort(host: "10.9.9.9", port: 7401))
    }

    @Test(arguments: ["7400", ":7400", "host:", "host:port", "host:0", "host:65536", "host:-1", ""])
    func anythingElseIsRefused(text: String) {
        #expect(HostPort(parsing: text) == nil)
    }
}
