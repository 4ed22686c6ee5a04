/// What ``OutboxWorker`` needs from an SMTP session, whichever client carries it: ``PipelinedSMTPConnection``
/// (plain TCP, RFC 2920 pipelining) or ``SMTPConnection`` (libcurl: STARTTLS, implicit TLS, AUTH). Both keep their
/// connection open between sends, report the same `SMTPError` values and block their caller's thread.
protocol OutboxSMTPSession: AnyObject {
    /// How many connections the session has opened so far.
    var connectionsOpened: Int { get }
    /// One transaction, all recipients or none.
    func send(envelopeFrom: String, recipients: [String], message: [UInt8]) throws(SMTPError)
    /// One transaction, a result per recipient.
    func send(envelopeFrom: String, each recipients: [String], message: [UInt8]) throws(SMTPError) -> [SMTPError?]
}

extension SMTPConnection: OutboxSMTPSession {}
extension PipelinedSMTPConnection: OutboxSMTPSession {}

/// Which client serves a relay: the pipelined one for a plaintext relay without AUTH (`tls: none`, no `user`: the
/// recommended deployment, a local MTA on loopback, as Mailman 3 does), libcurl for everything else (TLS verified,
/// AUTH), unchanged.
enum OutboxSMTPClient {
    /// True when ``PipelinedSMTPConnection`` can serve `settings`.
    static func canPipeline(_ settings: SMTPSettings) -> Bool {
        settings.server.tls == .none && settings.server.user == nil
    }

    /// A new session for `settings` (nothing connected yet); `forcingLibcurl` (tests) picks libcurl whatever the relay.
    static func session(for settings: SMTPSettings, forcingLibcurl: Bool = false) throws(SMTPError) -> any OutboxSMTPSession {
        canPipeline(settings) && !forcingLibcurl
            ? try PipelinedSMTPConnection(settings: settings) : try SMTPConnection(settings: settings)
    }
}
