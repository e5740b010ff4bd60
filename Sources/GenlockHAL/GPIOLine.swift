/// A GPIO output line (an LED for skew measurement, a trigger).
public protocol GPIOLine: AnyObject, Sendable {
    /// A description naming the chip and line, for error messages.
    var name: String { get }
    /// Drives the line high (`true`) or low.
    func set(_ high: Bool) throws
    /// Releases the line.
    func release()
}
