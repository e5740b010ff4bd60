import GenlockCore
import GenlockMedia

/// Decodes framesets' frames on demand through libavcodec (``PacketDecoder``), keeping one
/// decoder per camera: decoding frame `n` after `n-1` sends one packet; after a gap (frames not
/// decoded, or not arrived) it starts over at the keyframe before `n`, from the packets the frame
/// carries (``IngestFrame/sinceKeyframe``). A consumer of ``IngestServer/framesets`` keeps one.
///
/// Not thread-safe: one consumer uses it.
public final class FramesetDecoder {
    private var cameras: [String: Camera] = [:]

    private struct Camera {
        var decoder: PacketDecoder
        /// The frame whose packet went in last (nil: start over at a keyframe).
        var last: Int64?
    }

    public init() {}

    /// The pictures of `frameset`'s frames, in its cameras' order (nil where it has no frame).
    public func decode(_ frameset: IngestFrameset) throws(MediaError) -> [VideoFrame?] {
        var out: [VideoFrame?] = []
        for frame in frameset.frames {
            if let frame { out.append(try decode(frame)) } else { out.append(nil) }
        }
        return out
    }

    /// The picture of `frame`.
    public func decode(_ frame: IngestFrame) throws(MediaError) -> VideoFrame {
        var camera: Camera
        if let known = cameras[frame.camera], known.decoder.parameters == frame.parameters {
            camera = known
        } else {
            camera = Camera(decoder: try PacketDecoder(parameters: frame.parameters), last: nil)
        }
        // Continue from the packet that went in last when it is on this frame's way; else start over.
        var steps = frame.sinceKeyframe[...]
        if let last = camera.last, let at = frame.sinceKeyframe.firstIndex(where: { $0.index == last }) {
            steps = frame.sinceKeyframe[(at + 1)...]
        } else {
            camera.decoder.reset()
        }
        camera.last = nil
        cameras[frame.camera] = camera
        for step in steps {
            _ = try camera.decoder.decode(step.packet, index: step.index)
        }
        let pictures = try camera.decoder.decode(frame.packet, index: frame.index)
        guard let picture = pictures.last(where: { $0.index == frame.index }) else {
            throw MediaError.invalidFrame(
                "\(frame.camera): frame \(frame.index) gave no picture (its packets since the keyframe: "
                    + "\(frame.sinceKeyframe.first.map { "from \($0.index)" } ?? "none"); a stream joined between keyframes cannot be decoded until the next)")
        }
        cameras[frame.camera]?.last = frame.index
        return picture.frame
    }
}
