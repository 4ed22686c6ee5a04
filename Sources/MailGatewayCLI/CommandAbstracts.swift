/// The one-line help of the commands both executables declare (the thin `mailgateway` knows `archive search` only,
/// `mailgateway-daemon` the whole tree): written once, so that both help screens read the same.
package enum CommandAbstracts {
    package static let root = "Moderated, partner-only mailing lists over IMAP mailboxes, with a searchable archive."
    package static let archive = "Read the archive: lists, threads, messages, search, mbox export and import."
}
