/// One post decorated for each kind of reader it goes to (`FooterReader`: language and delivery mode), each
/// composed once, when first needed: a fan-out to 3,000 members reading in French, English and Spanish composes
/// three bodies, and the outbox stores each once (`OutboxBodyRecord`, by SHA-256). The composition before the
/// footer (header parse, subject, From rewrite, Reply-To) runs once per post. No I/O.
///
/// A reader whose language has no footer template gets the list language's footer; with neither, no footer.
public struct ReaderComposer: Sendable {
    public let list: ListIdentity
    public let footers: [Language: FooterTemplate]
    public let dmarc: DMARCLookup
    private let raw: [UInt8]
    private let subject: String
    private let author: MailAddress?
    private var composed: [FooterReader: ComposedPost] = [:]
    /// The composition every reader shares (all but the footer), made on first use.
    private var decorated: DecoratedPost?

    /// - Parameters: as `OutgoingComposer.compose(raw:subject:author:)`, with the footer of each language.
    public init(list: ListIdentity, footers: [Language: FooterTemplate], dmarc: DMARCLookup = .unknown,
                raw: [UInt8], subject: String, author: MailAddress?) {
        self.list = list
        self.footers = footers
        self.dmarc = dmarc
        self.raw = raw
        self.subject = subject
        self.author = author
    }

    /// How many distinct bodies were composed so far.
    public var composedCount: Int { composed.count }

    /// The post as `reader` receives it (composed on first use).
    public mutating func post(for reader: FooterReader) -> ComposedPost {
        if let known = composed[reader] { return known }
        let template = footers[reader.language] ?? footers[list.language]
        let footer = template?.render(for: list, reader: reader)
        let composer = OutgoingComposer(list: list, footer: footer, dmarc: dmarc)
        let shared = decorated ?? composer.decorate(raw: raw, subject: subject, author: author)
        decorated = shared
        let post = composer.finish(shared)
        composed[reader] = post
        return post
    }
}
