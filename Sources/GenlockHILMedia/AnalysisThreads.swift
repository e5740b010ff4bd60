/// How `hil analyze` spends its thread budget between the cameras and their decoders.
///
/// Cameras are independent until the analysis joins them, so they are decoded side by side, each
/// on its own thread with its own decoder, rather than one after another each with all the cores
/// in libavcodec's frame threads: the analyzer's own per-frame work (reducing the rows) then runs
/// beside the other cameras' decoding instead of stalling a frame-threaded pipeline, and a
/// single-threaded decoder wastes none of its time handing frames between threads. Results are
/// the same either way: each camera's reading depends only on its own files.
public struct AnalysisThreads: Hashable, Sendable {
    /// Cameras decoded at the same time, each on its own thread (1: one after another on the
    /// calling thread).
    public let concurrentCameras: Int
    /// libavcodec's thread count for each camera's decoder (0: FFmpeg's own, one per core).
    public let decoderThreads: Int

    /// The plan for `threads` (the `--threads` option: 0 one per core, 1 the calling thread
    /// only, N at most about N busy threads), `cameras` cameras and `cores` cores.
    ///
    /// With a budget of one thread, or one camera, nothing changes: one decoder at a time with
    /// `threads` as given. Otherwise up to two cameras per thread of the budget are decoded at
    /// once (a core's second decoder keeps it busy while an uneven camera finishes; the cap
    /// bounds the decoders held in memory on a large rig), and the budget is shared out between
    /// them, rounded up so that no core idles (at least one decoder thread each).
    public init(threads: Int, cameras: Int, cores: Int) {
        let budget = threads == 0 ? max(1, cores) : threads
        if cameras <= 1 || budget <= 1 {
            concurrentCameras = 1
            decoderThreads = threads
        } else {
            concurrentCameras = min(cameras, 2 * budget)
            decoderThreads = (budget + concurrentCameras - 1) / concurrentCameras
        }
    }

    /// A plan stated outright.
    public init(concurrentCameras: Int, decoderThreads: Int) {
        self.concurrentCameras = concurrentCameras
        self.decoderThreads = decoderThreads
    }
}
