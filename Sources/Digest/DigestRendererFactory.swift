/// The renderer the CLI and the daemon use, from the templates folder (every digest template in fr, en and es,
/// or an error naming the one missing).
public func makeDigestRenderer(templatesDirectory: String) throws -> any DigestRendering {
    try DigestRenderer(templatesDirectory: templatesDirectory)
}
