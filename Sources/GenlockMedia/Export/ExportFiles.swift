/// The text files an export writes beside the videos.
enum ExportFiles {
    /// Caliscope's `timestamps.csv`: header `sync_index,cam_id,frame_time`, rows sorted by index
    /// then camera. Caliscope (`src/caliscope/recording/synchronized_timestamps.py`,
    /// `from_csv_path`) groups rows by `cam_id`, sorts each camera's rows by `frame_time` and
    /// takes the `k`-th as frame `k` of `cam_<id>.mp4`, so there is exactly one row per frame
    /// in the video; `sync_index` is ignored by it and kept here as the frame index `n`.
    /// `frame_time` is seconds since the Unix epoch on the shared timeline, 9 decimals.
    static func caliscopeTimestamps(_ rows: [(index: Int64, id: Int, time: Int64)]) -> String {
        var text = "sync_index,cam_id,frame_time\n"
        for row in rows.sorted(by: { ($0.index, $0.id) < ($1.index, $1.id) }) {
            text += "\(row.index),\(row.id),\(DecimalText.fixed(row.time, scaleDigits: 9, places: 9))\n"
        }
        return text
    }

    /// Anipose's project `config.toml`: only what the export decides; Anipose fills in its
    /// defaults for the rest (`load_config` in `anipose/anipose.py`), and the user adds the
    /// model folder and calibration board. `nesting = 1`: sessions are the project's folders.
    static func aniposeConfig(session: String) -> String {
        """
        # Written by `genlock session export --to anipose` for session \(session).
        # Videos: <session>/videos-raw/<session>-cam<id>.mp4, one frame per frame index from the
        # session's first frameset to its last (see <session>/framesets.csv; a camera's missing
        # frames are black). Add model_folder and the [calibration] board before running anipose.
        nesting = 1
        video_extension = 'mp4'

        [triangulation]
        cam_regex = '-cam([0-9]+)$'

        """
    }
}
