import ArgumentParser
import GenlockControl
import GenlockPOSIX
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
        do throws(FileIO.Failure) {
            try RigKeyFile.write(RigKey.generate(), to: out, replacing: force)
        } catch {
            let reason = error.detail ?? (error.alreadyExists ? "already exists (use --force to replace it)" : error.reason)
            throw ValidationError("--out: cannot write \(out): \(reason)")
        }
        Console.out("wrote rig key \(out) (mode 0600); copy it to every camera node")
    }
}
