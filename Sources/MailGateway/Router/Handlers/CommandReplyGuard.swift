import Foundation

/// What SenderChecks (loop, auto-reply, spoofing) leave to CM-8 for command mail: a message from a null reverse
/// path, from `mailer-daemon`, `postmaster` or a `noreply` address, or with `X-Auto-Response-Suppress`, is never
/// answered (nor acted on: an automatic sender asks for nothing). Pure.
public enum CommandReplyGuard {
    /// Why a command mail must not be answered; nil when it may.
    public static func refusal(_ message: ParsedMessage) -> String? {
        if let path = message.header("Return-Path"), path.trimmingCharacters(in: .whitespaces) == "<>" {
            return "null-return-path"
        }
        if message.header("X-Auto-Response-Suppress") != nil { return "auto-response-suppress" }
        guard let from = message.from.first else { return "no-sender" }
        let local = MailAddress.split(from.address).localPart.lowercased()
        let automatic = ["mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply",
                         "do-not-reply"]
        if automatic.contains(where: { local == $0 || local.hasPrefix($0 + "+") }) { return "automatic-sender" }
        return nil
    }
}
