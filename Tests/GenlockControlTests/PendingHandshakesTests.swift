import GenlockControl
import GenlockCore
import Testing

/// The rule both ports keep for connections that have not authenticated: few, oldest out first,
/// and never waiting the timeout.
@Suite struct PendingHandshakesTests {
    private func at(_ ms: Int64) -> MonotonicInstant { MonotonicInstant(nanoseconds: ms * 1_000_000) }

    @Test func aFullQueueEvictsTheOldestForEachNewConnection() {
        var pending = PendingHandshakes<Int>(capacity: 3, timeout: .seconds(5))
        #expect(pending.admit(1, at: at(0)).isEmpty)
        #expect(pending.admit(2, at: at(1)).isEmpty)
        #expect(pending.admit(3, at: at(2)).isEmpty)
        #expect(pending.admit(4, at: at(3)) == [1])
        #expect(pending.admit(5, at: at(4)) == [2])
        #expect(pending.count == 3)
        #expect(!pending.contains(1) && pending.contains(3) && pending.contains(5))
    }

    @Test func anAuthenticatedOrClosedConnectionFreesItsPlaceAndIsNeverEvicted() {
        var pending = PendingHandshakes<Int>(capacity: 2, timeout: .seconds(5))
        _ = pending.admit(1, at: at(0))
        _ = pending.admit(2, at: at(1))
        pending.remove(1)
        #expect(pending.admit(3, at: at(2)).isEmpty, "1 authenticated: its place is free")
        #expect(pending.admit(4, at: at(3)) == [2])
        pending.remove(99)
        #expect(pending.count == 2)
    }

    @Test func connectionsWaitingTheTimeoutExpireOldestFirstAndOnlyOnce() {
        var pending = PendingHandshakes<Int>(capacity: 8, timeout: .seconds(5))
        _ = pending.admit(1, at: at(0))
        _ = pending.admit(2, at: at(1_000))
        _ = pending.admit(3, at: at(2_000))
        #expect(pending.expired(at: at(4_999)).isEmpty)
        #expect(pending.expired(at: at(6_000)) == [1, 2], "at the timeout exactly counts as late")
        #expect(pending.expired(at: at(6_000)).isEmpty)
        #expect(pending.count == 1 && pending.contains(3))
        pending.remove(3)
        #expect(pending.expired(at: at(60_000)).isEmpty)
    }

    @Test func aCapacityBelowOneStillAdmitsOne() {
        var pending = PendingHandshakes<Int>(capacity: 0, timeout: .seconds(5))
        #expect(pending.capacity == 1)
        #expect(pending.admit(1, at: at(0)).isEmpty)
        #expect(pending.admit(2, at: at(0)) == [1])
    }
}
