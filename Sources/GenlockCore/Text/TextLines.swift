/// The lines of a text file whose lines end in LF or CR LF (a file edited on Windows, or copied
/// through a tool that converts line ends): one rule for every CSV and text format Genlock reads.
///
/// Swift reads CR LF as one `Character`, so splitting on "\n" alone leaves such a file one long
/// line; this splits on both.
public enum TextLines {
    /// The lines of `text`, without their line ends. Like `split(separator:)`: a text ending in a
    /// line end gives a last empty line unless `omittingEmpty` (the way a torn last line is told).
    public static func split(_ text: String, omittingEmpty: Bool = false) -> [Substring] {
        text.split(omittingEmptySubsequences: omittingEmpty) { $0 == "\n" || $0 == "\r\n" }
    }

    /// Whether `text` ends in a line end.
    public static func endsInLineEnd(_ text: String) -> Bool {
        text.last == "\n" || text.last == "\r\n"
    }
}
