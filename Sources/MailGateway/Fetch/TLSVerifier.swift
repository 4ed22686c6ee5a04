import Foundation
import X509

/// Checks a server's TLS certificate chain, because libetpan's TLS streams accept any certificate.
///
/// The chain must lead to a trusted root (RFC 5280 path validation: signatures, validity dates, CA constraints)
/// and the leaf must name the host we connected to (RFC 6125 server identity: DNS or IP subject alternative
/// names). Trusted roots are the system bundle plus, when configured, the certificates of `ServerConfig.caFile`
/// (in addition to, never instead of, the system store).
struct TLSVerifier: Sendable {
    /// Where Debian (and most Linux distributions) keep the system's trusted roots as one PEM bundle.
    static let systemBundlePath = "/etc/ssl/certs/ca-certificates.crt"

    private let roots: CertificateStore

    /// Loads the trusted roots. Throws a description of the problem when `caFile` can't be read or holds no
    /// certificate (a missing system bundle only leaves the extra file, so self-signed setups still work).
    init(caFile: String?, systemBundle: String = TLSVerifier.systemBundlePath) throws(TLSVerificationFailure) {
        var certificates: [Certificate] = []
        if let pem = try? String(contentsOfFile: systemBundle, encoding: .utf8) {
            certificates += Self.certificates(inPEM: pem)
        }
        if let caFile {
            guard let pem = try? String(contentsOfFile: caFile, encoding: .utf8) else {
                throw TLSVerificationFailure(reason: "cannot read the caFile \(caFile)")
            }
            let extra = Self.certificates(inPEM: pem)
            guard !extra.isEmpty else {
                throw TLSVerificationFailure(reason: "the caFile \(caFile) holds no PEM certificate")
            }
            certificates += extra
        }
        roots = CertificateStore(certificates)
    }

    /// Verifies `chain` (DER, leaf first, as the server sent it) for `host` at the current time. Throws the reason
    /// it is refused (`now` only words that reason).
    func verify(chain: [[UInt8]], host: String, now: Date = Date()) async throws(TLSVerificationFailure) {
        guard let leafDER = chain.first else {
            throw TLSVerificationFailure(reason: "the server presented no certificate")
        }
        let leaf: Certificate
        do {
            leaf = try Certificate(derEncoded: leafDER)
        } catch {
            throw TLSVerificationFailure(reason: "the server's certificate cannot be decoded")
        }
        let intermediates = chain.dropFirst().compactMap { try? Certificate(derEncoded: $0) }
        let isAddress = IMAPConnection.isIPAddress(host)
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy()
            ServerIdentityPolicy(serverHostname: isAddress ? nil : host, serverIP: isAddress ? host : nil)
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        switch result {
        case .validCertificate:
            return
        case .couldNotValidate(let failures):
            throw TLSVerificationFailure(reason: Self.explain(failures, leaf: leaf, host: host, now: now))
        }
    }

    /// An operator-readable reason, from the most specific policy failure or, failing that, the leaf itself.
    private static func explain(_ failures: [CertificateValidationResult.PolicyFailure], leaf: Certificate,
                                host: String, now: Date) -> String {
        let subject = "certificate for \(leaf.subject)"
        if now > leaf.notValidAfter { return "\(subject) expired on \(leaf.notValidAfter)" }
        if now < leaf.notValidBefore { return "\(subject) is not valid before \(leaf.notValidBefore)" }
        if let failure = failures.first {
            let text = String(describing: failure.policyFailureReason)
            if text.lowercased().contains("name") || text.lowercased().contains("identity")
                || text.lowercased().contains("ip") {
                return "\(subject) does not match the host name \(host) (\(text))"
            }
            return "\(subject) refused: \(text)"
        }
        if leaf.issuer == leaf.subject {
            return "\(subject) is self-signed and not trusted (name it in caFile to trust it)"
        }
        return "\(subject) does not chain to a trusted root (issuer \(leaf.issuer); set caFile if it is private)"
    }

    private static func certificates(inPEM text: String) -> [Certificate] {
        let end = "-----END CERTIFICATE-----"
        var found: [Certificate] = []
        for block in text.components(separatedBy: end) {
            guard let start = block.range(of: "-----BEGIN CERTIFICATE-----") else { continue }
            let pem = String(block[start.lowerBound...]) + end
            if let certificate = try? Certificate(pemEncoded: pem) { found.append(certificate) }
        }
        return found
    }
}

/// Why a certificate (or the trust configuration) was refused; becomes an `IMAPError` of kind `.tls`.
struct TLSVerificationFailure: Error, Sendable {
    var reason: String
}
