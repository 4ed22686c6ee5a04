public import ArgumentParser
public import MailGateway
import MailGatewayCLI

// The library's value types the commands take as arguments (Language's is in MailGatewayCLI).
extension College: ExpressibleByArgument {}
extension MemberRole: ExpressibleByArgument {}
extension DeliveryMode: ExpressibleByArgument {
    public init?(argument: String) { self.init(word: argument) }
}
extension OutboxStatus: ExpressibleByArgument {}
