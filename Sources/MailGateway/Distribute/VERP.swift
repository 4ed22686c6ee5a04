/// Variable envelope return paths: the envelope sender of each copy names its recipient, so a bounce
/// (sent to that address) tells which member it concerns even when the DSN is unreadable.
/// Form: `LIST-bounces+user=domain@listdomain` (as Mailman does).
public enum VERP {
    /// The envelope sender (MAIL FROM) for the copy of `listAddress`'s post sent to `recipient`.
    public static func envelopeSender(listAddress: String, recipient: String) -> String {
        let (listLocal, listDomain) = split(listAddress)
        let (userLocal, userDomain) = split(recipient)
        return "\(listLocal)-bounces+\(userLocal)=\(userDomain)@\(listDomain)"
    }

    /// The recipient encoded in a VERP address of `listAddress`, or nil when `address` is not one.
    /// The list part compares case-insensitively; the recipient's local part is returned as written.
    public static func recipient(fromBounceAddress address: String, listAddress: String) -> String? {
        let (listLocal, listDomain) = split(listAddress)
        let (local, domain) = split(address)
        guard domain.lowercased() == listDomain.lowercased() else { return nil }
        let prefix = "\(listLocal)-bounces+"
        guard local.count > prefix.count, local.lowercased().hasPrefix(prefix.lowercased()) else { return nil }
        let encoded = local.dropFirst(prefix.count)
        // A domain never contains '=', so the last '=' separates the recipient's local part from its domain.
        guard let eq = encoded.lastIndex(of: "="), eq != encoded.startIndex else { return nil }
        let userDomain = encoded[encoded.index(after: eq)...]
        guard !userDomain.isEmpty else { return nil }
        return "\(encoded[..<eq])@\(userDomain)"
    }

    private static func split(_ address: String) -> (String, String) {
        guard let at = address.lastIndex(of: "@") else { return (address, "") }
        return (String(address[..<at]), String(address[address.index(after: at)...]))
    }
}
