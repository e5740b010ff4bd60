@testable import GenlockDashboard
import Testing

@Suite struct AccessPolicyTests {
    @Test func openWithoutATokenAndOnlyWithTheRightOneOtherwise() {
        #expect(AccessPolicy(token: nil).allows(queryToken: nil, bearer: nil, cookie: nil))
        let policy = AccessPolicy(token: "0123456789abcdef0123456789abcdef")
        #expect(!policy.allows(queryToken: nil, bearer: nil, cookie: nil))
        #expect(!policy.allows(queryToken: "0123456789abcdef0123456789abcdee", bearer: "x", cookie: ""))
        #expect(policy.allows(queryToken: "0123456789abcdef0123456789abcdef", bearer: nil, cookie: nil))
        #expect(policy.allows(queryToken: nil, bearer: "0123456789abcdef0123456789abcdef", cookie: nil))
        #expect(policy.allows(queryToken: nil, bearer: nil, cookie: "0123456789abcdef0123456789abcdef"))
    }

    @Test func headersAreParsed() {
        #expect(AccessPolicy.bearerToken("Bearer abc") == "abc")
        #expect(AccessPolicy.bearerToken("Basic abc") == nil)
        #expect(AccessPolicy.cookieToken("a=1; genlock_token=xyz; b=2") == "xyz")
        #expect(AccessPolicy.cookieToken("a=1") == nil)
    }

    @Test func loopbackNeedsNoTokenAnythingElseDoes() {
        #expect(["127.0.0.1", "127.1.2.3", "localhost", "::1"].allSatisfy(AccessPolicy.isLoopback))
        #expect(!["0.0.0.0", "10.0.0.1", "::", "192.168.1.5"].contains(where: AccessPolicy.isLoopback))
    }

    @Test func tokensAre128RandomBits() {
        let a = AccessPolicy.makeToken(), b = AccessPolicy.makeToken()
        #expect(a.count == 32 && b.count == 32 && a != b)
        #expect(a.allSatisfy { $0.isHexDigit })
    }

    @Test func tokenBucketRefusesPastTheBurstAndRefillsAtTheRate() {
        var bucket = TokenBucket(ratePerSecond: 10, burst: 3)
        #expect((0..<5).map { _ in bucket.take(nowNs: 0) } == [true, true, true, false, false])
        let half = bucket.take(nowNs: 50_000_000)  // 0.5 token back after 50 ms
        let one = bucket.take(nowNs: 100_000_000)  // one token after 100 ms
        let none = bucket.take(nowNs: 100_000_000)
        #expect([half, one, none] == [false, true, false])
        #expect((0..<4).map { _ in bucket.take(nowNs: 10_000_000_000) } == [true, true, true, false])  // never more than the burst
    }
}
