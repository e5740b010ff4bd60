import GenlockControl
import Testing

func written(_ actions: [IngestLedger.Action]) -> [Int64] {
    actions.compactMap { if case .write(let p) = $0 { p.index } else { nil } }
}

func wants(_ actions: [IngestLedger.Action]) -> [[ClosedRange<Int64>]] {
    actions.compactMap { if case .want(let r) = $0 { r } else { nil } }
}

@Suite struct IngestLedgerTests {
    @Test func rowsInOrderAreWrittenAtOnce() {
        var ledger = IngestLedger()
        var out: [Int64] = []
        for i in Int64(0)..<5 { out += written(ledger.handle(.row(streamRow(i, previous: i == 0 ? nil : i - 1)))) }
        #expect(out == [0, 1, 2, 3, 4])
        #expect(ledger.lacking.isEmpty)
        #expect(ledger.handle(.end(lastIndex: 4)) == [.complete])
    }

    @Test func aCutIsHeldAskedForAndWrittenInOrderWhenBackFilled() {
        var ledger = IngestLedger()
        _ = ledger.handle(.row(streamRow(0, previous: nil)))
        _ = ledger.handle(.row(streamRow(1, previous: 0)))
        // 2...5 lost on the link; live goes on at 6.
        let held = ledger.handle(.row(streamRow(6, previous: 5)))
        #expect(written(held).isEmpty)
        #expect(wants(held) == [[2...5]])
        // More live rows: still the same gap, no new WANT.
        #expect(ledger.handle(.row(streamRow(7, previous: 6))).isEmpty)
        #expect(ledger.lacking == [2...5])
        // Back-fill, oldest first.
        var out: [Int64] = []
        for i in Int64(2)...5 { out += written(ledger.handle(.row(streamRow(i, previous: i - 1, live: false)))) }
        #expect(out == [2, 3, 4, 5, 6, 7])
        #expect(ledger.lacking.isEmpty)
        #expect(ledger.backfilled == 4)
        #expect(ledger.heldCount == 0 && ledger.heldBytes == 0)
    }

    @Test func indicesTheNodeNeverRecordedAreNotLacking() {
        var ledger = IngestLedger()
        _ = ledger.handle(.row(streamRow(0, previous: nil)))
        // The node restarted: no rows 1...9; row 10's previous is 0.
        #expect(written(ledger.handle(.row(streamRow(10, previous: 0)))) == [10])
        #expect(ledger.lacking.isEmpty)
    }

    @Test func ingestJoiningLateAsksForEverythingBefore() {
        var ledger = IngestLedger()
        let actions = ledger.handle(.row(streamRow(40, previous: 39)))
        #expect(wants(actions) == [[Int64.min...39]])
        var out: [Int64] = []
        out += written(ledger.handle(.row(streamRow(38, previous: 37, live: false))))
        #expect(ledger.lacking == [Int64.min...37, 39...39])
        out += written(ledger.handle(.row(streamRow(37, previous: nil, live: false))))
        out += written(ledger.handle(.row(streamRow(39, previous: 38, live: false))))
        #expect(out == [37, 38, 39, 40])
    }

    @Test func endNamesTheTailThatIsLacking() {
        var ledger = IngestLedger()
        _ = ledger.handle(.row(streamRow(0, previous: nil)))
        let actions = ledger.handle(.end(lastIndex: 3))
        #expect(wants(actions) == [[1...3]])
        _ = ledger.handle(.row(streamRow(1, previous: 0, live: false)))
        _ = ledger.handle(.row(streamRow(2, previous: 1, live: false)))
        let last = ledger.handle(.row(streamRow(3, previous: 2, live: false)))
        #expect(written(last) == [3])
        #expect(last.contains(.complete))
        #expect(ledger.isComplete)
    }

    @Test func duplicatesAreIgnoredWithTheReason() {
        var ledger = IngestLedger()
        _ = ledger.handle(.row(streamRow(0, previous: nil)))
        let again = ledger.handle(.row(streamRow(0, previous: nil, live: false)))
        #expect(again == [.ignored(index: 0, reason: "row 0 is already written")])
        _ = ledger.handle(.row(streamRow(5, previous: 4)))
        #expect(ledger.handle(.row(streamRow(5, previous: 4))).contains(.ignored(index: 5, reason: "row 5 is already held")))
    }

    @Test func heldMemoryIsBoundedAndTheRestIsBackFilledLater() {
        var ledger = IngestLedger(limits: .init(heldBytes: 250))
        _ = ledger.handle(.row(streamRow(0, previous: nil)))
        _ = ledger.handle(.row(streamRow(2, previous: 1)))
        _ = ledger.handle(.row(streamRow(3, previous: 2)))
        let over = ledger.handle(.row(streamRow(4, previous: 3)))
        #expect(over.contains { if case .ignored(4, _) = $0 { true } else { false } })
        #expect(ledger.heldBytes == 200)
        // Row 5 names 4, which was not held: 4 is lacking too.
        _ = ledger.handle(.row(streamRow(5, previous: 4, bytes: 10)))
        #expect(ledger.lacking == [1...1, 4...4])
        var out: [Int64] = []
        out += written(ledger.handle(.row(streamRow(1, previous: 0, live: false))))
        out += written(ledger.handle(.row(streamRow(4, previous: 3, live: false))))
        #expect(out == [1, 2, 3, 4, 5])
    }

    @Test func theNewestRowAHelloNamesIsLackingWithoutALiveRow() {
        var ledger = IngestLedger()
        _ = ledger.handle(.row(streamRow(0, previous: nil)))
        // Every live row after 0 was dropped, and the node reconnects having recorded up to 19.
        #expect(wants(ledger.handle(.newest(19))) == [[1...19]])
    }

    @Test func reconnectingRepeatsTheWant() {
        var ledger = IngestLedger()
        _ = ledger.handle(.row(streamRow(0, previous: nil)))
        #expect(wants(ledger.handle(.row(streamRow(3, previous: 2)))) == [[1...2]])
        #expect(wants(ledger.handle(.connected)) == [[1...2]])
    }

    @Test func aBackFillIsAskedForOnceWhileItArrives() {
        var ledger = IngestLedger()
        _ = ledger.handle(.row(streamRow(0, previous: nil)))
        var asked = wants(ledger.handle(.row(streamRow(10, previous: 9))))
        #expect(asked == [[1...9]])
        // The back-fill arrives row by row and live rows keep coming: nothing is asked again.
        for i in Int64(1)...5 {
            asked += wants(ledger.handle(.row(streamRow(i, previous: i - 1, live: false))))
            asked += wants(ledger.handle(.row(streamRow(10 + i, previous: 9 + i))))
        }
        #expect(asked == [[1...9]])
        #expect(ledger.outstanding == [6...9])
        // A new gap: only it is asked for.
        asked += wants(ledger.handle(.row(streamRow(20, previous: 19))))
        #expect(asked == [[1...9], [16...19]])
        // The server's stall timer: everything still lacking is asked for again.
        #expect(wants(ledger.handle(.remind)) == [[6...9, 16...19]])
        var out: [Int64] = []
        for i in Int64(6)...9 { out += written(ledger.handle(.row(streamRow(i, previous: i - 1, live: false)))) }
        for i in Int64(16)...19 { out += written(ledger.handle(.row(streamRow(i, previous: i - 1, live: false)))) }
        #expect(out == Array(6...20))
        #expect(ledger.lacking.isEmpty && ledger.outstanding.isEmpty && ledger.duplicates == 0)
    }

    @Test func aResumedLedgerContinuesAfterTheRowsAnEarlierIngestWrote() {
        var ledger = IngestLedger(resumedAfter: 29)
        // The node reconnects having recorded up to 39: only 30...39 is lacking.
        #expect(wants(ledger.handle(.newest(39))) == [[30...39]])
        // A live row continuing the chain is written at once; old rows are duplicates, not asked for.
        let old = ledger.handle(.row(streamRow(12, previous: 11, live: false)))
        #expect(old == [.ignored(index: 12, reason: "row 12 is already written")])
        var out: [Int64] = []
        for i in Int64(30)...40 { out += written(ledger.handle(.row(streamRow(i, previous: i - 1, live: i == 40)))) }
        #expect(out == Array(30...40))
        #expect(ledger.lacking.isEmpty)
        #expect(ledger.handle(.end(lastIndex: 40)) == [.complete])
    }

    @Test func aFreshLedgerAsksForEveryRowAResumedOneDoesNot() {
        var fresh = IngestLedger()
        var resumed = IngestLedger(resumedAfter: 99)
        #expect(wants(fresh.handle(.row(streamRow(100, previous: 99)))) == [[Int64.min...99]])
        #expect(written(resumed.handle(.row(streamRow(100, previous: 99)))) == [100])
        #expect(resumed.lacking.isEmpty)
    }

    @Test func indexRangesSubtractAndIntersectWithoutOverflow() {
        #expect(IndexRanges.subtracting([Int64.min...10], [3...5]) == [Int64.min...2, 6...10])
        #expect(IndexRanges.subtracting([0...Int64.max], [0...Int64.max]) == [])
        #expect(IndexRanges.intersecting([0...9, 20...29], [5...24]) == [5...9, 20...24])
        // The backlog metric's count: a range open downwards ("everything before the first row
        // known") counts from index 0, and nothing overflows (it did, crashing the rig's metrics).
        #expect(IndexRanges.count([Int64.min...4, 10...12]) == 8)
        #expect(IndexRanges.count([Int64.min...(-1)]) == 0)
        #expect(IndexRanges.count([0...Int64.max]) == .max)
        // Printed the way they are counted: an open range from index 0.
        #expect(IndexRanges.text([Int64.min...4, 10...12]) == "0...4, 10...12")
        #expect(IndexRanges.count([]) == 0)
        #expect(IndexRanges.merged([5...6, 0...4, 8...9, Int64.max...Int64.max]) == [0...6, 8...9, Int64.max...Int64.max])
    }
}
