import GenlockCore

// A sensor that streams every frame (phase-locked capture): one `.sensorFrame` event per frame, at
// its frame-start interrupt, handed to the strategy that steers it.
extension SimNode {
    /// The camera starts streaming at the free-running length for the schedule's rate; each
    /// completed frame goes to `sink` until ``stopStreaming()``.
    func startStreaming(to sink: PhaseLockedStrategy) {
        streamGeneration &+= 1
        streamSink = sink
        let lines = sensor.timing.nominalLines(for: TimeSpan(nanoseconds: engine.periodNs))
        streamFrame = sensor.startStreaming(lines: lines, startingAtOrAfter: engine.nowNs)
        scheduleInterrupt()
    }

    /// No more frames (crash, halt, or nothing left to record): a pending interrupt goes stale.
    func stopStreaming() {
        streamGeneration &+= 1
        streamSink = nil
    }

    /// The true time of the frame-start interrupt of the frame in progress.
    private func scheduleInterrupt() {
        let at = streamFrame.startTrueNs + exposureNs + sensorModel.interruptLatencyNs
        engine.schedule(.sensorFrame(node: Int32(id), generation: streamGeneration), at: at)
    }

    /// The frame in progress raised its frame-start interrupt: the sink takes it (and may program
    /// the frame length of a later frame), then the next frame is in progress.
    func sensorInterrupt(generation g: UInt32) {
        guard g == streamGeneration, up, let sink = streamSink else { return }
        let frame = streamFrame
        sink.frameCompleted(sequence: frame.frame, startTrueNs: frame.startTrueNs, timestamp: sensorTimestamp(startTrueNs: frame.startTrueNs))
        guard g == streamGeneration else { return }  // the sink stopped streaming
        streamFrame = sensor.advance()
        scheduleInterrupt()
    }

    /// A phase-locked frame numbered `index`: checked like a capture, counted and recorded.
    /// `measured` is the exposure start the node computed through its clock pair.
    func recordStreamed(index: Int64, sequence: Int64, startTrueNs: Int64, measured: RealtimeInstant, timestamp: MonotonicInstant) {
        engine.checkStreamed(node: self, index: index, measured: measured)
        stats.captured += 1
        lastCapturedIndex = index
        engine.record(
            FrameTruth(
                node: id, index: index, requestTrueNs: engine.nowNs, exposureStartTrueNs: startTrueNs, exposureNs: exposureNs,
                lineTimeTrueNs: sensor.lineTimeTrueNs, globalShutter: sensorModel.shutter == .global, sensorFrame: sequence,
                sensorTimestamp: timestamp))
    }
}
