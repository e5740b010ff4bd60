/// The downstream tools a session folder can be exported for, each with the folder layout and
/// timestamp files it reads. The formats were read in the tools' own sources (cited per case);
/// a tool's layout changing upstream is a change here.
public enum ExportTool: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Caliscope (github.com/mprib/caliscope): a workspace's `recordings/<name>/` holds
    /// `cam_<id>.mp4` per camera and `timestamps.csv` (`cam_id,frame_time`, one row per frame in
    /// the video, in video order). Caliscope pairs frames across cameras itself from
    /// `frame_time` (`src/caliscope/recording/synchronized_timestamps.py`,
    /// `SynchronizedTimestamps.from_csv_path` and `_compute_sync_mapping`: a camera with no frame
    /// near a moment gets "dropped" there), so videos need not have equal frame counts. The
    /// recording folder must hold a `cam_N.mp4` for every camera and no other `.mp4`
    /// (`available_recordings` of Caliscope's workspace coordinator).
    /// Missing indices: left out (no frame, no row); H.264 is remuxed, never re-encoded. A camera
    /// that recorded nothing at all gets a black video with a row per index (see
    /// ``SessionExporter``): Caliscope needs every camera's file and rows.
    case caliscope
    /// Anipose (github.com/lambdaloop/anipose): a project folder with `config.toml`, sessions
    /// below it (`nesting = 1`), each with `videos-raw/<trial>-cam<X>.<video_extension>`
    /// (`anipose/anipose.py`, `DEFAULT_CONFIG['pipeline']`: `videos_raw = 'videos-raw'`,
    /// `calibration_videos = 'calibration'`; the camera name is the first group of
    /// `triangulation.cam_regex` searched in the file's base name, and the trial name is what is
    /// left: `anipose/common.py`, `get_cam_name` / `get_video_name`). Triangulation joins the
    /// cameras' 2-D tracks row by row, so frame `k` of every camera's video must be the same
    /// instant: every video is re-encoded to one frame per index of the session.
    case anipose
    /// FreeMoCap (github.com/freemocap/freemocap): a recording folder with
    /// `synchronized_videos/*.mp4` (`freemocap/system/paths_and_filenames/file_and_folder_names.py`,
    /// `SYNCHRONIZED_VIDEOS_FOLDER_NAME`; `freemocap/utilities/get_video_paths.py` takes every
    /// `.mp4` there, sorted by name). Its pipeline asserts the videos have exactly the same frame
    /// count (`get_number_of_frames_of_videos_in_a_folder` in its data checks; the import guide
    /// says the videos "should all have *exactly* the same number of frames"): every video is
    /// re-encoded to one frame per index of the session.
    case freemocap

    public var description: String { rawValue }

    /// Accepts the tool's name in any case; the error names the choices.
    public init(parsing text: String) throws(MediaError) {
        guard let tool = ExportTool(rawValue: text.lowercased()) else {
            throw MediaError.export("unknown export tool '\(text)' (expected caliscope, anipose or freemocap)")
        }
        self = tool
    }

    /// Whether frame `k` of every exported video must be frameset `first + k`: the tool reads
    /// frames by position, not by timestamp, so an index a camera lacks becomes a filler frame.
    public var needsEqualFrameCounts: Bool { self != .caliscope }
}
