/// Why a HIL input (a flash list, a session file, an option) was refused: one sentence naming
/// the file or value and what is wrong with it.
public struct HILError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
