import GenlockCore
import Testing

@Suite struct FlashSequencerTests {
    let t0 = RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000)

    /// Drives the sequencer as a perfect runner would: each armed edge wakes `latency` after it is due.
    func run(_ plan: FlashPlan, startAt now: RealtimeInstant, latency: (FlashEdge) -> TimeSpan = { _ in .zero })
        -> (actions: [FlashSequencer.Action], summary: FlashSummary?)
    {
        var sequencer = FlashSequencer(plan: plan)
        var all: [FlashSequencer.Action] = []
        var pending = sequencer.handle(.start(now: now))
        while !pending.isEmpty {
            all += pending
            guard case .arm(let edge) = pending.last else { break }
            pending = sequencer.handle(.woke(edge, now: edge.due + latency(edge)))
        }
        guard case .finish(let summary) = all.last else { return (all, nil) }
        return (all, summary)
    }

    func driven(_ actions: [FlashSequencer.Action]) -> [FlashEdge] {
        actions.compactMap { if case .drive(let e) = $0 { e } else { nil } }
    }

    @Test func drivesOnThenOffForEveryFlashInOrderAtThePlannedInstants() throws {
        let plan = try FlashPlan(firstFlash: t0, width: .microseconds(200), period: .milliseconds(100), count: 4,
                                 sweepStep: .microseconds(300), sweepSteps: 3)
        let (actions, summary) = run(plan, startAt: t0 - .seconds(1))
        let edges = driven(actions)
        #expect(edges.count == 8)
        for (i, edge) in edges.enumerated() {
            #expect(edge.flash == i / 2)
            #expect(edge.level == (i.isMultiple(of: 2) ? .on : .off))
            #expect(edge.due == (edge.level == .on ? plan.onInstant(edge.flash) : plan.offInstant(edge.flash)))
        }
        // The sweep moves flash 2 by two steps within its period.
        #expect(edges[4].due == t0 + .milliseconds(200) + .microseconds(600))
        #expect(summary == FlashSummary(outcome: .completed, fired: 4, skipped: 0, earlyWakes: 0))
    }

    @Test func startingLateSkipsThePastFlashesAndReportsThem() throws {
        let plan = try FlashPlan(firstFlash: t0, width: .microseconds(200), period: .seconds(1), count: 10)
        let (actions, summary) = run(plan, startAt: t0 + .milliseconds(3_500))
        #expect(actions.first == .skip(0..<4))
        #expect(driven(actions).first?.flash == 4)
        #expect(summary?.fired == 6)
        #expect(summary?.skipped == 4)
    }

    @Test func aFlashWithinTheToleranceFiresAndOneBeyondIsSkipped() throws {
        let plan = try FlashPlan(firstFlash: t0, width: .microseconds(200), period: .milliseconds(10), count: 4)
        let tolerance = FlashSequencer.Configuration().lateTolerance
        // Flash 1 wakes exactly at the tolerance (fired), flash 2 just past it (skipped).
        let (actions, summary) = run(plan, startAt: t0 - .seconds(1)) { edge in
            guard edge.level == .on else { return .zero }
            switch edge.flash {
            case 1: return tolerance
            case 2: return tolerance + .nanoseconds(1)
            default: return .zero
            }
        }
        #expect(driven(actions).map(\.flash) == [0, 0, 1, 1, 3, 3])
        #expect(actions.contains(.skip(2..<3)))
        #expect(summary == FlashSummary(outcome: .completed, fired: 3, skipped: 1, earlyWakes: 0))
    }

    @Test func aLongStallSkipsEveryFlashItCoveredButNeverTheOffEdge() throws {
        let plan = try FlashPlan(firstFlash: t0, width: .microseconds(200), period: .milliseconds(10), count: 10)
        // The off edge of flash 0 wakes 35 ms late: the LED goes off, flashes 1–3 are skipped.
        let (actions, summary) = run(plan, startAt: t0 - .seconds(1)) { edge in
            edge == FlashEdge(flash: 0, level: .off, due: plan.offInstant(0)) ? .milliseconds(35) : .zero
        }
        let edges = driven(actions)
        #expect(edges.prefix(2).map(\.level) == [.on, .off])
        #expect(actions.contains(.skip(1..<4)))
        #expect(edges.dropFirst(2).first?.flash == 4)
        #expect(summary?.fired == 7)
        #expect(summary?.skipped == 3)
    }

    @Test func anEarlyWakeAfterABackwardStepReArmsTheSameEdge() throws {
        let plan = try FlashPlan(firstFlash: t0, width: .microseconds(200), period: .seconds(1), count: 1)
        var sequencer = FlashSequencer(plan: plan)
        guard case .arm(let on) = sequencer.handle(.start(now: t0 - .seconds(1))).last else {
            Issue.record("nothing armed"); return
        }
        #expect(sequencer.handle(.woke(on, now: on.due - .milliseconds(2))) == [.arm(on)])
        #expect(sequencer.handle(.woke(on, now: on.due)).first == .drive(on))
    }

    @Test func stopWhileLitTurnsTheLEDOffAndFinishes() throws {
        let plan = try FlashPlan(firstFlash: t0, width: .microseconds(200), period: .seconds(1), count: 5)
        var sequencer = FlashSequencer(plan: plan)
        guard case .arm(let on) = sequencer.handle(.start(now: t0 - .seconds(1))).last,
              case .arm(let off) = sequencer.handle(.woke(on, now: on.due)).last
        else { Issue.record("nothing armed"); return }
        let actions = sequencer.handle(.stop)
        #expect(actions == [.cancel, .drive(off), .finish(FlashSummary(outcome: .stopped, fired: 1, skipped: 0, earlyWakes: 0))])
        // Anything after the end, including the stale wake-up, does nothing.
        #expect(sequencer.handle(.woke(off, now: off.due)).isEmpty)
    }

    @Test func staleWakeUpsAndSecondStartsAreIgnored() throws {
        let plan = try FlashPlan(firstFlash: t0, width: .microseconds(200), period: .seconds(1), count: 3)
        var sequencer = FlashSequencer(plan: plan)
        _ = sequencer.handle(.start(now: t0 - .seconds(1)))
        let notArmed = FlashEdge(flash: 2, level: .on, due: plan.onInstant(2))
        #expect(sequencer.handle(.woke(notArmed, now: notArmed.due)).isEmpty)
        #expect(sequencer.handle(.start(now: t0)).isEmpty)
    }

    @Test func flashLogRoundTripsAndNamesTheBadLine() throws {
        let records = [
            FlashRecord(index: 0, plannedOn: t0, on: t0 + .microseconds(12), off: t0 + .microseconds(215)),
            FlashRecord(index: 2, plannedOn: t0 + .seconds(2), on: t0 + .seconds(2), off: t0 + .seconds(2) + .microseconds(200)),
        ]
        let text = FlashLogFormat.text(records)
        #expect(text == ([FlashLogFormat.header] + records.map(FlashLogFormat.line)).joined(separator: "\n") + "\n")
        #expect(try FlashLogFormat.parse(text) == records)
        // An empty actual_on_ns means "on as planned" (synthetic sessions leave it out).
        #expect(try FlashLogFormat.parse(FlashLogFormat.header + "\n5,100,,300\n").first?.on == RealtimeInstant(nanosecondsSinceEpoch: 100))
        #expect(records[0].onError == .microseconds(12))
        let error = #expect(throws: FlashLogError.self) { try FlashLogFormat.parse(text + "3,12,x,14\n") }
        #expect(error?.description == "line 4: actual_on_ns 'x' is not a whole number of nanoseconds")
        #expect(throws: FlashLogError.self) { try FlashLogFormat.parse(FlashLogFormat.header + "\n0,10,10,5\n") }  // ends before it starts
        #expect(throws: FlashLogError.self) { try FlashLogFormat.parse("frame,t\n") }
        // A last line cut mid-number says the file was cut short, not that the flash ends early.
        let cut = #expect(throws: FlashLogError.self) { try FlashLogFormat.parse(text + "3,3000,3000,30") }
        #expect(cut?.description == "line 4: the flash ends (30) before it starts (3000): the last line has no newline, so the file was cut short (truncated, or read while being written)")
        // A whole last line without its newline (a hand-edited file) is read.
        #expect(try FlashLogFormat.parse(String(text.dropLast())) == records)
        // CR LF line ends (edited on Windows) read the same, cut short or not.
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try FlashLogFormat.parse(crlf) == records)
        let cutCRLF = #expect(throws: FlashLogError.self) { try FlashLogFormat.parse(crlf + "3,3000,3000,30") }
        #expect(cutCRLF?.description == cut?.description)
    }

    /// Swift reads CR LF as one character: splitting on "\n" alone left a Windows file one line.
    @Test func textLinesSplitOnLFAndCRLFAlike() {
        #expect(TextLines.split("a\nb\n") == ["a", "b", ""])
        #expect(TextLines.split("a\r\nb\r\n") == ["a", "b", ""])
        #expect(TextLines.split("a\r\nb\nc") == ["a", "b", "c"])
        #expect(TextLines.split("a\n\nb\n", omittingEmpty: true) == ["a", "b"])
        #expect(TextLines.endsInLineEnd("a\r\n") && TextLines.endsInLineEnd("a\n") && !TextLines.endsInLineEnd("a\r"))
    }
}
