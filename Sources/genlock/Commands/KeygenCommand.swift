import ArgumentParser
import GenlockControl
import Glibc

/// `genlock keygen`: a new random rig key, readable only by its owner.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Write a new random rig key (32 bytes, hex) with owner-only permissions.")

    @Option(help: "Where to write the key.")
    var out: String

    @Flag(help: "Replace an existing key file.")
    var force = false

    func run() throws {
        let bytes = RigKey.generate()
        let text = bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined() + "\n"
        // O_EXCL unless --force: an existing key is never silently replaced. Mode 0600 from creation,
        // so the key is never readable by others, not even briefly.
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL)
        let fd = open(out, flags, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "already exists (use --force to replace it)" : String(cString: strerror(errno))
            throw ValidationError("--out: cannot write \(out): \(reason)")
        }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw ValidationError("--out: cannot set permissions of \(out): \(String(cString: strerror(errno)))") }
        let written = text.withCString { write(fd, $0, strlen($0)) }
        guard written == text.utf8.count, fsync(fd) == 0 else {
            throw ValidationError("--out: writing \(out) failed: \(String(cString: strerror(errno)))")
        }
        Console.out("wrote rig key \(out) (mode 0600); copy it to every camera node")
    }
}
