extension StringProtocol {
    /// The text without leading and trailing whitespace, newlines included (no Foundation in pure modules).
    func trimmingWhitespace() -> String {
        guard let start = firstIndex(where: { !$0.isWhitespace }), let end = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[start...end])
    }
}
