extension PipelinedSMTPConnection {
    /// The commands and replies of one transaction on an open session.
    ///
    /// With PIPELINING: MAIL FROM and every RCPT TO in one write, and DATA with them when a 354 can do no harm
    /// (`each`, or a single recipient: DATA is then refused by the server when no RCPT was accepted); for the
    /// all-or-nothing send to several recipients DATA waits for every RCPT's reply, since a 354 after a refused
    /// RCPT could not be taken back without delivering to the others. The replies are then read in order.
    /// Without PIPELINING: one command, one reply.
    ///
    /// A refusal (4xx/5xx) becomes the result of the recipients it concerns; the session is then reset (RSET) for
    /// the next transaction. Connection failures and 421 throw (every recipient gets that error).
    func exchange(envelopeFrom: String, recipients: [String], message: [UInt8], data: SMTPDataEncoding, each: Bool,
                  deadline: ContinuousClock.Instant) throws(SMTPError) -> [SMTPError?] {
        let pipelining = serverExtensions.contains("PIPELINING")
        let dataInBatch = pipelining && (each || recipients.count == 1)
        commands.removeAll(keepingCapacity: true)
        commands.append(contentsOf: "MAIL FROM:<".utf8)
        commands.append(contentsOf: envelopeFrom.utf8)
        commands.append(UInt8(ascii: ">"))
        if data.hasEightBitBytes, serverExtensions.contains("8BITMIME") { commands.append(contentsOf: " BODY=8BITMIME".utf8) }
        commands.append(contentsOf: [13, 10])
        let mail: SMTPReply
        var recipientReplies: [SMTPReply] = []
        recipientReplies.reserveCapacity(recipients.count)
        var dataReply: SMTPReply?
        if pipelining {
            for recipient in recipients { appendRecipient(recipient) }
            if dataInBatch { commands.append(contentsOf: "DATA\r\n".utf8) }
            try write(commands, command: "MAIL", deadline: deadline)
            mail = try nextReply(for: "MAIL", deadline: deadline)
            for _ in recipients { recipientReplies.append(try nextReply(for: "RCPT", deadline: deadline)) }
            if dataInBatch { dataReply = try nextReply(for: "DATA", deadline: deadline) }
        } else {
            try write(commands, command: "MAIL", deadline: deadline)
            mail = try nextReply(for: "MAIL", deadline: deadline)
            if mail.code < 400 {
                for recipient in recipients {
                    commands.removeAll(keepingCapacity: true)
                    appendRecipient(recipient)
                    try write(commands, command: "RCPT", deadline: deadline)
                    let reply = try nextReply(for: "RCPT", deadline: deadline)
                    recipientReplies.append(reply)
                    if !each, reply.code >= 400 { break }
                }
            }
        }
        if mail.code >= 400 {
            abandon(after: dataReply, deadline: deadline)
            return Array(repeating: Self.refusal(mail, command: "MAIL"), count: recipients.count)
        }
        var results: [SMTPError?] = recipientReplies.map { $0.code >= 400 ? Self.refusal($0, command: "RCPT") : nil }
        results += Array(repeating: nil, count: recipients.count - results.count)
        knownResults = results
        let accepted = recipientReplies.count(where: { $0.code < 400 })
        if accepted == 0 || (!each && accepted < recipients.count) {
            abandon(after: dataReply, deadline: deadline)
            return results
        }
        let ready: SMTPReply
        if let dataReply {
            ready = dataReply
        } else {
            try write(Array("DATA\r\n".utf8), command: "DATA", deadline: deadline)
            ready = try nextReply(for: "DATA", deadline: deadline)
        }
        guard ready.code == 354 else {
            let failure = ready.code >= 400 ? Self.refusal(ready, command: "DATA") : Self.unexpected(ready, command: "DATA")
            if ready.code >= 400 { reset(deadline: deadline) } else { drop() }
            return results.map { $0 ?? failure }
        }
        // A reply the client did not ask for, or half of one: the session is out of step, and the replies that
        // follow could be taken for the answers to this message. Closing it is the only safe way back (after a 354
        // it also takes the transaction back): nothing is sent.
        guard isInStep else {
            drop()
            let failure = SMTPError(kind: .transient, code: ready.code, reply: "unexpected reply after DATA", command: "DATA")
            return results.map { $0 ?? failure }
        }
        wroteMessage = true
        // The rewritten bytes when the message needed them, else the message itself (no copy either way).
        let payload = data.rewritten ?? message
        try payload.withTypedBytes { (body) throws(SMTPError) in
            try data.terminator.withTypedBytes { (end) throws(SMTPError) in
                try write([body, end], command: ".", deadline: deadline)
            }
        }
        let final = try nextReply(for: ".", deadline: deadline)
        // More replies than commands, or half a reply: the session is out of step and cannot be trusted.
        if !isInStep { drop() }
        if final.code >= 400 { return results.map { $0 ?? Self.refusal(final, command: ".") } }
        guard (200..<300).contains(final.code) else {
            drop()
            return results.map { $0 ?? Self.unexpected(final, command: ".") }
        }
        return results
    }

    private func appendRecipient(_ recipient: String) {
        commands.append(contentsOf: "RCPT TO:<".utf8)
        commands.append(contentsOf: recipient.utf8)
        commands.append(contentsOf: ">\r\n".utf8)
    }

    /// Ends a transaction that sends no message: RSET, or closing the connection when the server answered a
    /// pipelined DATA with 354 (the message would be expected; only closing the connection takes that back).
    private func abandon(after dataReply: SMTPReply?, deadline: ContinuousClock.Instant) {
        if dataReply?.code == 354 { drop() } else { reset(deadline: deadline) }
    }

    /// RSET after a refusal; the connection is closed if that fails. Never throws: the transaction's results
    /// are already known.
    private func reset(deadline: ContinuousClock.Instant) {
        guard socket != nil else { return }
        do throws(SMTPError) {
            try write(Array("RSET\r\n".utf8), command: "RSET", deadline: deadline)
            // Out of step (more replies than commands) is as bad as a refused RSET.
            if try nextReply(for: "RSET", deadline: deadline).code != 250 || !isInStep { drop() }
        } catch {}
    }

    /// A refusal of `command`: 5xx to MAIL, RCPT, DATA or end of data is permanent, anything else transient
    /// (``SMTPConnection``'s classification).
    static func refusal(_ reply: SMTPReply, command: String) -> SMTPError {
        SMTPError.refusal(code: reply.code, reply: reply.text, command: command)
    }

    /// A reply that makes no sense at this point (a 2xx to DATA, a 3xx at the end of data): transient.
    static func unexpected(_ reply: SMTPReply, command: String) -> SMTPError {
        SMTPError(kind: .transient, code: reply.code, reply: "unexpected reply: \(reply.text)", command: command)
    }
}
