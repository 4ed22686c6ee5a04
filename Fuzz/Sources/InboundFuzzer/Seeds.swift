import Foundation

/// Synthetic seeds that reach the paths real mail from the corpora seldom reaches in this fixture: an aligned
/// partner post (accepted and composed for every member), a non-member's post (held), a moderator's approval
/// with a valid token for hold #1, and a reply with a forged token. `Fuzz/run.sh` writes them next to the
/// corpus seeds (`MAILGATEWAY_FUZZ_WRITE_SEEDS=DIR`).
enum Seeds {
    static let heldPost = """
        From: Jean Martin <jean.martin@example.net>\r
        To: individuals@lists.4p1000.org\r
        Subject: =?UTF-8?Q?Semis_direct_et_carbone_du_sol?=\r
        Date: Wed, 31 Dec 2025 10:00:00 +0100\r
        Message-ID: <held-1@example.net>\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=utf-8\r
        Content-Transfer-Encoding: 8bit\r
        \r
        Bonjour à tous, voici nos mesures de carbone après cinq ans de semis direct.\r

        """

    static func all(token: String) -> [String: String] {
        [
            "seed-partner-post.eml": """
                Authentication-Results: mx.4p1000.org; dkim=pass header.d=inrae-demo.example; spf=pass smtp.mailfrom=inrae-demo.example; dmarc=pass header.from=inrae-demo.example\r
                Received: from mail.inrae-demo.example (mail.inrae-demo.example [192.0.2.10]) by mx.4p1000.org; Wed, 31 Dec 2025 10:00:00 +0100\r
                From: =?UTF-8?Q?H=C3=A9l=C3=A8ne_Dubois?= <helene.dubois@inrae-demo.example>\r
                To: college-research@lists.4p1000.org\r
                Subject: Soil carbon workshop\r
                Date: Wed, 31 Dec 2025 10:00:00 +0100\r
                Message-ID: <post-1@inrae-demo.example>\r
                References: <a@example.org> <b@example.org>\r
                MIME-Version: 1.0\r
                Content-Type: multipart/alternative; boundary="b1"\r
                \r
                --b1\r
                Content-Type: text/plain; charset=iso-8859-1\r
                Content-Transfer-Encoding: quoted-printable\r
                \r
                Bonjour, l'atelier aura lieu =E0 Montpellier.\r
                --b1\r
                Content-Type: text/html; charset=utf-8\r
                \r
                <p>Bonjour, l'atelier aura lieu &agrave; Montpellier.</p>\r
                --b1--\r

                """,
            "seed-held-post.eml": heldPost,
            "seed-moderator-approval.eml": """
                Authentication-Results: mx.4p1000.org; dkim=pass header.d=4p1000-demo.example; dmarc=pass header.from=4p1000-demo.example\r
                From: Secretariat <secretariat@4p1000-demo.example>\r
                To: individuals@lists.4p1000.org\r
                Subject: Re: [\(token)] Semis direct\r
                Date: Thu, 1 Jan 2026 09:00:00 +0100\r
                Message-ID: <approval-1@4p1000-demo.example>\r
                In-Reply-To: <held-1@example.net>\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                approve\r
                > held post\r

                """,
            "seed-moderator-reject.eml": """
                From: Secretariat <secretariat@4p1000-demo.example>\r
                To: individuals@lists.4p1000.org\r
                Subject: Re: moderation\r
                Message-ID: <reject-1@4p1000-demo.example>\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                rejeter: hors sujet\r
                \(token)\r

                """,
            "seed-forged-token.eml": """
                From: someone@example.com\r
                To: individuals@lists.4p1000.org\r
                Subject: [MOD-1-1767225600-0123456789abcdef0123456789abcdef]\r
                Message-ID: <forged-1@example.com>\r
                \r
                approve\r

                """,
        ]
    }
}
