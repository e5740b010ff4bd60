import GenlockCore
import GenlockHAL

// A sensor that streams every frame (phase-locked capture): one `.sensorFrame` event per frame, at
// its frame-start interrupt, handed to the strategy whose camera it is.
extension SimNode {
    /// The sensor starts streaming at `lines` per frame; each frame's interrupt goes to `sink`
    /// until ``stopStreaming()``. Returns the sequence number of the first frame (the first
    /// starting at or after now).
    func startStreaming(to sink: PhaseLockedStrategy, lines: Int64) -> Int64 {
        streamGeneration &+= 1
        streamSink = sink
        streamFrame = sensor.startStreaming(lines: lines, startingAtOrAfter: engine.nowNs)
        scheduleInterrupt()
        return streamFrame.frame
    }

    /// No more frames (crash, halt, or the camera stopped): a pending interrupt goes stale.
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
        sink.interrupt(streamFrame)
        guard g == streamGeneration else { return }  // the camera stopped
        streamFrame = sensor.advance()
        scheduleInterrupt()
    }

    /// A frame the driver numbered (during the interrupt of the frame in progress, whose truth it
    /// is): checked like a capture, counted and recorded.
    func recordStreamed(_ frame: PhaseLockedFrame) {
        let truth = streamFrame
        guard frame.frame.sequence == truth.frame else {
            engine.violation("node \(id): frame \(frame.index) numbered from sensor frame \(frame.frame.sequence) during the interrupt of \(truth.frame)")
            return
        }
        engine.checkStreamed(node: self, index: frame.index, measured: frame.exposureStart)
        stats.captured += 1
        lastCapturedIndex = frame.index
        engine.record(
            FrameTruth(
                node: id, index: frame.index, requestTrueNs: engine.nowNs, exposureStartTrueNs: truth.startTrueNs, exposureNs: exposureNs,
                lineTimeTrueNs: sensor.lineTimeTrueNs, globalShutter: sensorModel.shutter == .global, sensorFrame: truth.frame,
                sensorTimestamp: frame.sensorTimestamp))
    }
}
