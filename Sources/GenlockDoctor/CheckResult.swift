/// How one preflight check came out.
public enum CheckStatus: String, Hashable, Sendable, Codable {
    /// The node is ready in this respect.
    case pass = "PASS"
    /// Works, but not as a session wants it (a governor that scales the clock).
    case warn = "WARN"
    /// A session on this node would not be synchronized (or not run); the detail says why and how to fix it.
    case fail = "FAIL"
}

/// One line of `genlock doctor`: which check, its verdict, and what was found.
public struct CheckResult: Hashable, Sendable, Codable {
    /// The check's short name (`ptp4l`, `disk`).
    public var check: String
    public var status: CheckStatus
    /// What was found; for a failure also the reason and the fix.
    public var detail: String

    public init(check: String, status: CheckStatus, detail: String) {
        self.check = check
        self.status = status
        self.detail = detail
    }

    /// A failure: what is wrong, then how to fix it.
    public static func fail(_ check: String, _ reason: String, fix: String) -> CheckResult {
        CheckResult(check: check, status: .fail, detail: "\(reason); fix: \(fix)")
    }

    /// The line people read: `PASS  ptp4l: port SLAVE, offset 12 ns`.
    public var textLine: String { "\(status.rawValue)  \(check): \(detail)" }
}

/// Why an outside fact could not be gathered (a command missing or timing out, a file unreadable).
/// The probes hand it to the verdicts, which fail the check with it as the reason.
public struct ProbeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// All checks of one run.
public struct DoctorReport: Hashable, Sendable {
    public var results: [CheckResult]

    public init(results: [CheckResult]) { self.results = results }

    /// True only when every check passed: a warning also keeps a scripted preflight from going on.
    public var allPassed: Bool { results.allSatisfy { $0.status == .pass } }

    /// 0 when every check passed, 1 otherwise.
    public var exitStatus: Int32 { allPassed ? 0 : 1 }

    /// One line for a coordinator's log: the counts, then the checks that did not pass, by name
    /// (`6 checks: 4 pass, 1 warn, 1 fail (warn: CPU governor; fail: phc2sys)`).
    public var summary: String {
        func count(_ s: CheckStatus) -> Int { results.filter { $0.status == s }.count }
        var line = "\(results.count) checks: \(count(.pass)) pass, \(count(.warn)) warn, \(count(.fail)) fail"
        let notPassed = [CheckStatus.warn, .fail].compactMap { status -> String? in
            let names = results.filter { $0.status == status }.map(\.check)
            return names.isEmpty ? nil : "\(status.rawValue.lowercased()): \(names.joined(separator: ", "))"
        }
        if !notPassed.isEmpty { line += " (" + notPassed.joined(separator: "; ") + ")" }
        return line
    }
}
