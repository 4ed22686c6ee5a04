import Testing
@testable import MailGateway

/// Who may join which kind of list (pure).
@Suite("Members: join rights")
struct JoinRightsTests {
    static func list(_ kind: ListKind, _ college: College? = nil) -> ListConfig {
        ListConfig(id: kind.rawValue, kind: kind, college: college, name: LocalizedName(fr: "x", en: "x"),
                   address: "x@lists.example.org", language: .fr, mailbox: MailboxConfig(user: "x", passwordEnv: "X"))
    }

    static func person(_ organisation: Organisation?) -> SenderIdentity {
        SenderIdentity(personID: 1, name: "P", language: .fr, organisation: organisation)
    }

    static let researcher = person(Organisation(id: 1, name: "INRAE", country: "France", college: .research, isFunder: false))
    static let funder = person(Organisation(id: 2, name: "Fund", country: "UK", college: .private, isFunder: true))
    static let individual = person(nil)

    @Test("interface: anyone in the directory; college: its college; funders: funders; individuals: individuals; announce: everyone")
    func table() {
        let cases: [(ListConfig, SenderIdentity?, Bool)] = [
            (Self.list(.interface), Self.researcher, true), (Self.list(.interface), Self.individual, true),
            (Self.list(.interface), nil, false),
            (Self.list(.college, .research), Self.researcher, true), (Self.list(.college, .research), Self.funder, false),
            (Self.list(.college, .research), Self.individual, false),
            (Self.list(.funders), Self.funder, true), (Self.list(.funders), Self.researcher, false),
            (Self.list(.individuals), Self.individual, true), (Self.list(.individuals), Self.researcher, false),
            (Self.list(.announce), Self.individual, true), (Self.list(.announce), nil, false),
        ]
        for (list, person, expected) in cases {
            #expect(JoinRights.mayJoin(person, list: list) == expected, "\(list.kind) \(String(describing: person?.organisation?.name))")
        }
    }
}
