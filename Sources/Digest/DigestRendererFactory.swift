/// The renderer the CLI and the daemon use: the one construction to point at the real renderer
/// (`DigestRenderer(templatesDirectory:)`) when it lands. Until then, ``PlainDigestRenderer``.
public func makeDigestRenderer(templatesDirectory: String) throws -> any DigestRendering {
    PlainDigestRenderer()
}
