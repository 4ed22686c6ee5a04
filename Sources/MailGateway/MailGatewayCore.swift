/// The configuration, the schema and the archive's read-only search live in MailGatewayCore (GRDB and Foundation
/// only: no libetpan, no libcurl), so that the `mailgateway` executable's reading commands start without loading
/// them. Every file of this module, and every client of it, sees them as part of MailGateway.
@_exported public import MailGatewayCore
