/// Who may join a list by email (issue 10, "Joining needs a right"). Pure: the sender as the directory knows them
/// and the list in, a verdict out.
///
/// | list kind | who may join |
/// |---|---|
/// | interface | anyone in the directory (partners' people and individual members) |
/// | college | people of organisations of that college |
/// | funders | people of funder organisations |
/// | individuals | individual members (no organisation) |
/// | announce | everyone in the register (joining re-enables delivery) |
///
/// Anyone else is told who may join and how (the secretariat's address).
public enum JoinRights {
    /// Whether `person` (nil: not in the directory) may join `list`.
    public static func mayJoin(_ person: SenderIdentity?, list: ListConfig) -> Bool {
        guard let person else { return false }
        switch list.kind {
        case .interface, .announce: return true
        case .college: return person.organisation != nil && person.organisation?.college == list.college
        case .funders: return person.organisation?.isFunder == true
        case .individuals: return person.organisation == nil
        }
    }
}
