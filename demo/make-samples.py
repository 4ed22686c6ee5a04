#!/usr/bin/env python3
"""Write the demo mail of mailgateway into OUTDIR: one folder per list id, NNN.eml in delivery order.

    python3 demo/make-samples.py OUTDIR && python3 demo/check-samples.py OUTDIR

Every message was written for this project: people, organisations, figures and domains
(*.example) are invented. Standard library only; the output is deterministic (same bytes on
every run) and uses CRLF line endings, as a mail server stores messages.
"""
import base64, binascii, hashlib, re, struct, sys, unicodedata, zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

LISTS = ["college-research", "college-producers", "interface-knowledge",
         "interface-policies", "funders", "individuals"]
LIST_DOMAIN = "lists.4p1000.org"
SERVER_TZ = timezone(timedelta(hours=1))  # the list server (Paris, winter time)

# Mail clients: header charset and RFC 2047 encoding (q/b), quoting style, Message-ID style, agent.
CLIENTS = {
    "tb":      ("UTF-8", "q", "bottom", "uuid", ("User-Agent", "Mozilla Thunderbird")),
    "apple":   ("utf-8", "q", "bottom", "UUID", ("X-Mailer", "Apple Mail (2.3826.400.131)")),
    "webmail": ("UTF-8", "b", "top", "stamp", ("User-Agent", "Roundcube Webmail/1.6.9")),
    "outlook": ("utf-8", "b", "top", "outlook", ("X-Mailer", "Microsoft Outlook 16.0")),
    "old1252": ("Windows-1252", "q", "top", "outlook", ("X-Mailer", "Microsoft Outlook 14.0")),
    "latin1":  ("ISO-8859-1", "q", "bottom", "stamp", ("X-Mailer", "Sylpheed 3.7.0")),
    "mobile":  ("utf-8", "q", "none", "UUID", ("X-Mailer", "iPhone Mail (22B91)")),
    "bulk":    ("utf-8", "b", "none", "stamp", ("X-Mailer", "Listmailer 2.1 (demo)")),
}

# Senders, one per line: key | name | address | language of their attribution lines | usual client | signature.
PEOPLE = {row[0]: tuple(row[1:]) for row in (
    [cell.strip() for cell in line.split("|")] for line in """
helene    | Hélène Dubois            | helene.dubois@inrae-demo.example           | fr | tb      | UMR Sols et carbone (fictive), Montpellier
jose      | José Martínez            | jose.martinez@cirad-demo.example           | fr | webmail | Agroforestería, Turrialba (Costa Rica)
amelie    | Amélie Nguyen            | amelie.nguyen@ird-demo.example             | fr | outlook | Laboratoire Sols tropicaux (fictif), Hanoï
kwame     | Kwame Mensah             | k.mensah@sri-gh-demo.example               | en | tb      | Soil Research Institute (demo), Kumasi, Ghana
jurgen    | Jürgen Weber             | j.weber@thuenen-demo.example               | en | tb      | Agricultural Soils (demo), Braunschweig
ana       | Ana Sofía Pérez          | anasofia.perez@fundacion-suelos.example    | es | webmail | Fundación Suelos Vivos (ficticia), Buenos Aires
rodrigo   | Rodrigo Ibáñez           | ribanez@cooperativa-litoral-demo.example   | es | latin1  | Cooperativa del Litoral (ficticia), Paysandú
lucia     | Lucía Fernández          | lfernandez@productores-mx-demo.example     | es | outlook | Red de Pastizales (ficticia), Chihuahua
pierre    | Pierre-Étienne Laffargue | pe.laffargue@agroforesterie-demo.example   | fr | tb      | Association Arbres et Champs (fictive), Auch
mathieu   | Mathieu Lacombe          | m.lacombe@coop-lauragais-demo.example      | fr | old1252 | Coopérative du Lauragais (fictive)
priya     | Priya Raghavan           | priya.raghavan@nbss-demo.example           | en | webmail | Soil Survey Bureau (demo), Nagpur
grace     | Grace Wanjiru            | g.wanjiru@agroforestry-centre-demo.example | en | webmail | Agroforestry Centre (demo), Nairobi
camille   | Camille Rousseau         | c.rousseau@sols-vivants-demo.example       | fr | tb      | Association Sols vivants (fictive), Lyon
francois  | François Lefèvre         | f.lefevre@agriculture-gouv-demo.example    | fr | outlook | Bureau climat, ministère (démo), Paris
mariajose | María José Castillo      | mjcastillo@minagri-cl-demo.example         | es | outlook | Ministerio de Agricultura (demo), Chile
sarah     | Sarah O'Connor           | sarah.oconnor@fao-demo.example             | en | tb      | Land and Water Division (demo), Rome
olivia    | Olivia Bennett           | o.bennett@soilfund-demo.example            | en | outlook | The Soil Fund (demo), London
thandiwe  | Thandiwe Dlamini         | t.dlamini@wits-demo.example                | en | webmail | Land Restoration Trust (demo), Johannesburg
hiroshi   | Hiroshi Tanaka           | h.tanaka@jircas-demo.example               | en | tb      | Agricultural Research Centre (demo), Tsukuba
aissata   | Aïssata Diallo           | a.diallo@fondation-terres-demo.example     | fr | outlook | Fondation Terres (fictive), Dakar
mcb       | Marie-Claude Bérubé      | mcberube@courriel-demo.example             | fr | tb      | Jardinière amatrice, Sherbrooke (Québec)
thomas    | Thomas Girard            | thomas.girard@jardin-demo.example          | fr | apple   | Maraîcher sur sol vivant, Drôme
andres    | Andrés Quintero          | andres.quintero@finca-demo.example         | es | webmail | Finca La Esperanza, Boyacá (Colombia)
secr      | Secrétariat 4 pour 1000  | secretariat@4p1000-demo.example            | fr | bulk    | Initiative « 4 pour 1000 » (démo)
""".strip().split("\n"))}

MSGS = []


def msg(lst, key, who, date, subject, body, parent=None, **opts):
    """One message, in delivery order. For a reply, `subject` is only the prefix its client adds.
    opts: kind (plain, qp, b64, latin1, cp1252, flowed, alt, html, broken), attach (pdf, png),
    norefs (no In-Reply-To/References), stack (reply to the parent's subject, not the root's),
    delay (minutes held in a queue before delivery), client (override), html (for kind=html)."""
    MSGS.append(dict(lst=lst, key=key, who=who, date=date, subject=subject, body=body, parent=parent, **opts))


# ---------------------------------------------------------------- college-research
msg("college-research", "r1", "helene", "2026-11-02 09:12:05 +0100",
    "Protocole MRV : échantillonnage du carbone organique des sols (0-30 cm)", """\
Bonjour à toutes et à tous,

Comme convenu en réunion de collège, voici une proposition de protocole
commun pour mesurer le carbone organique des sols (COS) des sites pilotes :

- 0-30 cm, idéalement complété par 30-60 cm ;
- stocks en masse de sol équivalente (ESM), pas à profondeur fixe ;
- densité apparente mesurée sur chaque placette ;
- 10 carottes composites par strate, ré-échantillonnage tous les 5 ans.

Vos remarques sont bienvenues avant le 20 novembre.

Bien cordialement,""")
msg("college-research", "r2", "kwame", "2026-11-02 13:40:22 +0000", "Re: ", """\
Dear Hélène,

Fully agreed on ESM. One practical point: in our Ashanti sites, bulk
density cores are the main field cost. Could the protocol accept a
pedotransfer function, with measured values on at least 30 % of plots?

Mid-infrared (MIR) spectroscopy could also cut the lab cost of carbon
analyses by three; we can share a calibration set of 1,200 samples.

Best regards,""", parent="r1")
# Delivered before its parent r3, which was held five hours in an outgoing queue.
msg("college-research", "r4", "amelie", "2026-11-04 00:18:09 +0700", "RE : ", """\
Bonjour José,

D'accord avec la stratification en trois positions. Sur nos parcelles
d'agroforesterie au Vietnam (cannelle, poivrier), nous mesurons aussi
la litière à part : jusqu'à 8 % du carbone de surface.

Proposition : ajouter une ligne « litière (optionnel) » au protocole et
un champ « position par rapport à l'arbre » dans la fiche de terrain.

Amélie""", parent="r3", kind="qp", stack=True)
msg("college-research", "r3", "jose", "2026-11-03 08:05:41 -0600", "Re: ", """\
Bonjour Hélène, bonjour à tous,

Pour les systèmes agroforestiers (cacao, agrumes), il faut préciser la
position des carottes par rapport aux arbres : sous le houppier, entre
les rangs, à mi-distance. Sinon la variabilité du carbone explose et on
ne détectera aucun changement à cinq ans. Je propose un plan stratifié
en trois positions, pondéré par la surface de chaque zone.

Saludos,""", parent="r1", delay=300)
msg("college-research", "broken", None, None, None, None, kind="broken")
msg("college-research", "r5", "jurgen", "2026-11-04 10:31:50 +0100", "Re: ", """\
Kwame, all,

+1 on MIR. Our national soil inventory does the same, with 10 % of the
samples checked by dry combustion. A pedotransfer function for bulk
density worked poorly on our stony soils, though: I would keep measured
bulk density wherever the coarse fraction exceeds 20 %.""", parent="r2")
msg("college-research", "r6", "helene", "2026-11-06 17:45:00 +0100", "Réf. : ", """\
Bonjour à tous,

Merci pour vos retours. Synthèse pour la version 2 du protocole :

1. ESM obligatoire sur 0-30 cm (30-60 cm recommandé) ;
2. densité apparente mesurée sur au moins 30 % des placettes, 100 % si
   les éléments grossiers dépassent 20 % ;
3. MIR autorisé, avec 10 % de contrôle par combustion sèche ;
4. en agroforesterie, trois positions par rapport à l'arbre.

La version 2 sera présentée à la réunion annuelle du 30 novembre.""", parent="r5")
msg("college-research", "r7", "jurgen", "2026-11-09 14:02:33 +0100",
    "Cover crop trials 2026 – carbon inputs and first results", """\
Dear colleagues,

Attached are the first results of the 2026 cover crop trials ("Résultats
essais 2026"), prepared with our French partners. Mixtures of phacelia,
oats and vetch gave the highest above-ground carbon inputs (2.1 t C/ha),
about 40 % more than mustard alone. Root biomass: final figures in January.

Kind regards,""", attach="pdf", client="apple")

# ---------------------------------------------------------------- college-producers
msg("college-producers", "p1", "ana", "2026-11-03 10:15:00 -0300",
    "Pastoreo rotativo y carbono del suelo: ¿experiencias?", """\
Estimados y estimadas:

Desde la Fundación reunimos experiencias de productores con pastoreo
rotativo y su efecto en el carbono del suelo: carga animal, días de
descanso, mediciones de carbono orgánico (aunque sean parciales),
cambios en la infiltración y en la cobertura.

¿Quién podría compartir sus datos en una llamada el martes 17?

Saludos cordiales,""")
msg("college-producers", "p2", "rodrigo", "2026-11-03 21:47:12 -0300", "Re: ", """\
Hola Ana Sofía,

En la cooperativa tenemos 14 establecimientos con pastoreo rotativo
desde 2019: 30 a 45 días de descanso según la estación, 0,8 UG/ha.
Medimos carbono en 2019 y en 2025 en seis predios: +0,4 t C/ha/año en
0-20 cm en promedio, con mucha variación entre campos.

Con gusto participamos en la llamada del 17.

Un abrazo,
Rodrigo""", parent="p1", kind="latin1")
msg("college-producers", "p3", "lucia", "2026-11-04 09:30:00 -0600", "RE: ", """\
Hola a todos,

Desde Chihuahua: en pastizales semiáridos el pastoreo planificado nos
ayudó sobre todo a recuperar cobertura. El carbono sube despacio; la
infiltración, en cambio, se duplicó en cinco años. Podemos compartir
nuestro protocolo de monitoreo.

Saludos,""", parent="p1")
msg("college-producers", "p4", "ana", "2026-11-05 11:02:00 -0300", "RE: ", """\
Gracias Rodrigo y Lucía,

Les enviaré el enlace para la llamada del martes 17 a las 10:00 (hora
de Buenos Aires). ¿Podrían mandarnos antes una tabla simple con carga
animal, días de descanso y resultados de carbono por predio?

Saludos,""", parent="p2")
msg("college-producers", "p5", "pierre", "2026-11-06 08:20:00 +0100",
    "Journée terrain agroforesterie – jeudi 19 novembre, Gers", """\
Bonjour à tous,

Journée terrain sur l'agroforesterie intra-parcellaire le jeudi 19
novembre, à la ferme de Lahitte (Gers) :

- 9h30 : visite des lignes d'arbres plantées en 2012 ;
- 11h00 : profil de sol, carbone sous les arbres et entre les rangs ;
- 14h00 : atelier taille et bois raméal fragmenté.

Plan d'accès en pièce jointe. Inscription gratuite mais obligatoire.

À bientôt,""", attach="png")
msg("college-producers", "p6", "mathieu", "2026-11-10 18:05:00 +0100",
    "Couverts d’interculture : coût réel à l’hectare", """\
Bonjour,

Nos chiffres 2026 pour les couverts d’interculture (23 exploitations) :
semences du mélange « avoine – vesce – phacélie » 48 € / ha, semis
direct 22 € / ha, destruction par roulage 9 € / ha, soit 79 € / ha.

Le “bonus carbone” proposé par l’acheteur (15 à 25 € / ha) ne couvre
donc qu’un tiers du coût…

Cordialement,""", kind="cp1252")

# ---------------------------------------------------------------- interface-knowledge
msg("interface-knowledge", "k1", "priya", "2026-11-04 11:20:00 +0530",
    "Soil health indicators: a minimum dataset for the observatory", """\
Dear colleagues,

For the soil health observatory we need a minimum dataset that every
partner can afford each year. My proposal:

1. soil organic carbon (dry combustion or validated MIR);
2. bulk density, pH and electrical conductivity;
3. aggregate stability (slaking test) and infiltration rate.

Should earthworm counts be in the core set? Cheap, and farmers
understand them, but highly seasonal.

Best,""")
msg("interface-knowledge", "k2", "jurgen", "2026-11-04 09:12:00 +0100", "Re: ", """\
Hi Priya,

Good list. I would add soil texture once per site (not every year),
since almost every indicator needs it for interpretation, and make the
slaking test photo-based so that results can be checked centrally.

On earthworms: keep them, but only in a fixed window (spring, soil
temperature above 5 °C), otherwise the counts are not comparable.

Cheers,""", parent="k1", kind="flowed")
msg("interface-knowledge", "k3", "grace", "2026-11-04 16:45:10 +0300", "Re: ", """\
Hello Priya and all,

From the agroforestry side I would add a visual soil assessment score,
which farmers at our Kenyan sites already use, and active carbon
(POXC), which responds to management much faster than total carbon.
POXC costs about 3 USD per sample with a field kit.

Regards,
Grace""", parent="k1", kind="b64")
# Sent from a phone that writes no In-Reply-To/References: only the subject links it.
msg("interface-knowledge", "k4", "kwame", "2026-11-05 07:58:00 +0000", "Re: ", """\
Sent from my phone, so brief: +1 for POXC and visual scores. On West
African sandy soils aggregate stability says little; infiltration is
the better indicator there.""", parent="k1", norefs=True, client="mobile")
msg("interface-knowledge", "k5", "priya", "2026-11-06 10:05:00 +0530", "Re: ", """\
Thanks Grace, Jürgen and Kwame.

Revised core set: organic carbon, bulk density, texture (once), pH/EC,
infiltration, visual assessment and POXC. Aggregate stability and
earthworms become optional modules. Field sheet in English, French and
Spanish next week.

Best,""", parent="k3")
msg("interface-knowledge", "k6", "camille", "2026-11-12 12:30:00 +0100",
    "Café-débat « Sols vivants et carbone » – jeudi 26 novembre, Lyon", """\
Bonjour à toutes et à tous,

Nous organisons un café-débat ouvert au public, « Sols vivants et
carbone : que peut-on vraiment stocker ? », le jeudi 26 novembre à
18h30, dans un bar associatif de Lyon (7e). Intervenants :

- Hélène Dubois (recherche, carbone des sols) ;
- un agriculteur en agroforesterie de la Drôme.

Entrée libre, réservation conseillée.

À très vite,""", kind="alt")

# ---------------------------------------------------------------- interface-policies
msg("interface-policies", "po1", "francois", "2026-11-05 14:00:00 +0100",
    "Note de synthèse : carbone des sols et CDN (projet v1)", """\
Chers collègues,

Voici le plan de la note de synthèse sur le carbone des sols dans les
contributions déterminées au niveau national (CDN) :

1. état des lieux des CDN qui citent les sols agricoles ;
2. obstacles : coût du MRV, permanence, données de référence ;
3. recommandations : indicateurs simples, inventaires de niveau 2.

Merci de vos commentaires d'ici le vendredi 13 novembre.

Bien à vous,""")
msg("interface-policies", "po2", "mariajose", "2026-11-05 16:20:00 -0300", "RE: ", """\
Estimado François:

Desde Chile sugerimos agregar en el punto 2 la falta de técnicos de
extensión formados: sin ellos, el MRV del carbono del suelo no funciona
en el terreno. También convendría citar los programas de pago por
resultados en praderas, que tienen más de diez años de datos.

Saludos cordiales,""", parent="po1")
msg("interface-policies", "po3", "sarah", "2026-11-06 09:40:00 +0100", "Re: ", """\
Dear François,

Two suggestions: refer to the existing guidelines on measuring and
mapping soil organic carbon rather than proposing new methods, and add
a box on tier 2 emission factors for grassland and cropland, which is
what countries ask us about most.

Best regards,""", parent="po1")
msg("interface-policies", "po4", "francois", "2026-11-09 08:55:00 +0100", "RE : ", """\
Merci María José, merci Sarah,

J'intègre vos propositions (techniciens de vulgarisation au point 2,
encadré sur les facteurs d'émission de niveau 2). La version 2 de la
note circulera jeudi.""", parent="po2")
msg("interface-policies", "po5", "secr", "2026-11-16 10:00:00 +0100",
    "Webinaire : le carbone des sols dans les politiques climatiques / Webinar / Seminario web", None,
    kind="html", html="""\
<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Webinaire 4 pour 1000</title></head>
<body style="font-family: Arial, sans-serif; color: #3b2a1a;">
<h1 style="color: #5a7d2b;">Webinaire &middot; Webinar &middot; Seminario web</h1>
<p><strong>Le carbone des sols dans les politiques climatiques nationales</strong><br>
mardi 1<sup>er</sup> décembre 2026, 14h00&ndash;15h30 (heure de Paris), en ligne.</p>
<p lang="en"><strong>Soil carbon in national climate policies</strong> &mdash;
Tuesday 1 December 2026, 14:00&ndash;15:30 CET, online.</p>
<p lang="es"><strong>El carbono del suelo en las políticas climáticas nacionales</strong>
&mdash; martes 1 de diciembre de 2026, en línea.</p>
<p><a href="https://www.4p1000-demo.example/webinaire-2026-12">Inscription /
Registration / Inscripción</a></p>
</body>
</html>""")

# ---------------------------------------------------------------- funders
msg("funders", "f1", "olivia", "2026-11-02 12:00:00 +0000",
    "Call for proposals 2027: soil carbon MRV in smallholder systems", """\
Dear all,

On 1 December the Soil Fund opens its 2027 call on measurement,
reporting and verification (MRV) of soil organic carbon in smallholder
systems: EUR 3 million in total, grants of EUR 150,000 to 400,000 over
24 to 36 months, at least one farmer organisation in each consortium.
Concept notes are due on 15 February 2027.

We would welcome co-funding partners.

Best wishes,""")
msg("funders", "f2", "thandiwe", "2026-11-02 15:30:00 +0200", "Re: ", """\
Dear Olivia,

Great news. Could co-funders earmark their contribution for a region
(Southern Africa, in our case), or does everything go into one pool?

Kind regards,""", parent="f1")
msg("funders", "f3", "olivia", "2026-11-03 09:10:00 +0000", "RE: ", """\
Dear Thandiwe,

Earmarking by region is possible above EUR 500,000; below that, funds
go into the common pool with reporting by region.

Best,""", parent="f2")
msg("funders", "f4", "hiroshi", "2026-11-04 17:25:00 +0900", "Re: ", """\
Dear Olivia,

May a consortium include a research institute that is not yet a partner
of the Initiative, provided the lead applicant is a partner?

Best regards,""", parent="f1")
msg("funders", "f5", "olivia", "2026-11-04 10:40:00 +0000", "RE: ", """\
Dear Hiroshi,

Yes: the lead applicant must be a partner, the other members need not
be. We will say so in the FAQ.

Best,""", parent="f4")
msg("funders", "f6", "aissata", "2026-11-13 11:11:00 +0000",
    "Appel à projets « Terres vivantes Sahel » : agroforesterie et restauration des sols", """\
Bonjour à toutes et à tous,

La Fondation Terres lance son appel à projets 2027 « Terres vivantes
Sahel » : agroforesterie, régénération naturelle assistée et
restauration des sols dégradés au Sénégal, au Mali, au Burkina Faso et
au Niger. Subventions de 50 000 à 200 000 € sur trois ans, priorité aux
organisations paysannes ; le suivi du carbone du sol est encouragé.

Date limite : 31 janvier 2027.

Cordialement,""")

# ---------------------------------------------------------------- individuals
msg("individuals", "i1", "mcb", "2026-11-07 20:15:00 -0500",
    "Couverts végétaux au potager : quoi semer pour l'hiver ?", """\
Bonjour,

Simple jardinière au Québec (zone 4b), je voudrais protéger le sol de
mon potager cet hiver et y ajouter un peu de carbone. Est-il trop tard
pour semer un couvert en novembre ? Un paillis de feuilles suffirait-il ?

Merci d'avance,""")
msg("individuals", "i2", "thomas", "2026-11-08 10:02:00 +0100", "Re: ", """\
Bonjour Marie-Claude,

En novembre au Québec, c'est sans doute trop tard : le seigle d'automne
lève encore à 5 °C, mais il lui faut quelques semaines avant les gels.
Un paillis de feuilles broyées (10 à 15 cm) protège très bien le sol ;
au printemps, semez de la phacélie ou un mélange avoine-pois.

Bon jardinage,""", parent="i1")
msg("individuals", "i3", "mcb", "2026-11-08 09:30:00 -0500", "Re : ", """\
Merci Thomas, c'est très clair. Je broie les feuilles d'érable dès
demain, et je vous raconterai au printemps.""", parent="i2")
msg("individuals", "i4", "andres", "2026-11-11 19:40:00 -0500",
    "¿Cómo medir el carbono del suelo en mi finca?", """\
Buenas tardes,

Tengo una finca de 6 hectáreas en Boyacá, con papa en rotación y algo
de pasto. ¿Existe una forma sencilla y barata de medir el carbono
orgánico del suelo, o al menos de saber si estoy mejorando?

Muchas gracias,""")
msg("individuals", "i5", "secr", "2026-11-17 09:00:00 +0100",
    "Réunion annuelle 4 pour 1000 – 30 novembre / Annual meeting / Reunión anual", """\
[FR] La réunion annuelle des partenaires de l'Initiative « 4 pour 1000 »
aura lieu le lundi 30 novembre 2026, à Paris et en ligne : bilan des
collèges, feuille de route carbone des sols 2027-2030, protocole MRV.

[EN] The annual meeting of the "4 per 1000" Initiative's partners takes
place on Monday 30 November 2026, in Paris and online.

[ES] La reunión anual de los socios de la Iniciativa "4 por 1000" será
el lunes 30 de noviembre de 2026, en París y en línea.

https://www.4p1000-demo.example/reunion-annuelle-2026""")

BY_KEY = {m["key"]: m for m in MSGS}


# ---------------------------------------------------------------- builders
def digest(s):
    return hashlib.sha256(s.encode()).hexdigest()


def when(m):
    return datetime.strptime(m["date"], "%Y-%m-%d %H:%M:%S %z")


def client(m):
    return CLIENTS[m.get("client") or PEOPLE[m["who"]][3]]


def message_id(m):
    x, style, domain = digest(m["key"]), client(m)[3], PEOPLE[m["who"]][1].split("@")[1]
    left = {"uuid": f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:32]}", "outlook": x[:32].upper(),
            "stamp": f"{when(m):%Y%m%d%H%M%S}.{x[:10]}"}.get(style.lower(), x)
    return f"{left.upper() if style == 'UUID' else left}@{domain}"


def ancestors(m):
    """Message-IDs from the thread root down to m's parent."""
    chain = []
    while m["parent"]:
        m = BY_KEY[m["parent"]]
        chain.insert(0, message_id(m))
    return chain


def root(m):
    return root(BY_KEY[m["parent"]]) if m["parent"] else m


def subject(m):
    if not m["parent"]:
        return m["subject"]
    return m["subject"] + (subject(BY_KEY[m["parent"]]) if m.get("stack") else root(m)["subject"])


QSAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def encoded_words(text, charset, mode, maxlen=66):
    """RFC 2047 encoded words (Q or B) for text, each at most maxlen characters long."""
    def enc(s):
        b = s.encode(charset)
        if mode == "b":
            return f"=?{charset}?B?{base64.b64encode(b).decode()}?="
        return f"=?{charset}?Q?" + "".join("_" if c == 32 else chr(c) if c in QSAFE else f"={c:02X}"
                                          for c in b) + "?="
    words, chunk = [], ""
    for ch in text:
        if chunk and len(enc(chunk + ch)) > maxlen:
            words, chunk = words + [enc(chunk)], ""
        chunk += ch
    return words + [enc(chunk)]


def subject_header(text, c):
    if not text.isascii():
        return "\n ".join(encoded_words(text, c[0], c[1]))
    lines = [""]
    for w in text.split(" "):  # fold plain text at spaces
        lines[-1:] = [lines[-1] + " " + w] if len(lines[-1] + w) < 66 else [lines[-1], " " + w]
    return "\n".join(lines).lstrip()


def mailbox(name, addr, c):
    if name.isascii():
        phrase = f'"{name}"' if re.search(r"[^A-Za-z0-9 !#$%&'*+/=?^_`{|}~-]", name) else name
    else:  # one encoded word: some parsers put a space between adjacent words in a phrase
        phrase = encoded_words(name, c[0], c[1], 75)[0]
    return phrase + ("\n " if len(phrase) + len(addr) > 66 else " ") + f"<{addr}>"


DAYS = {"fr": ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
        "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "es": ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]}


def attribution(m, p):
    """The 'X wrote:' line, in the replier's language and time zone."""
    name, addr = PEOPLE[p["who"]][:2]
    lang, t = PEOPLE[m["who"]][2], when(p).astimezone(when(m).tzinfo)
    d, hm = DAYS[lang][t.weekday()], f"{t:%H:%M}"
    return {"fr": f"Le {d} {t.day} nov. 2026 à {hm}, {name} <{addr}> a écrit :",
            "en": f"On {d}, {t.day} Nov 2026 at {hm}, {name} <{addr}> wrote:",
            "es": f"El {d}, {t.day} nov 2026 a las {hm}, {name} (<{addr}>) escribió:"}[lang]


def full_text(m):
    """The body as the sender's client writes it: own text, signature, quote of the parent."""
    own = f"{m['body']}\n\n-- \n{PEOPLE[m['who']][0]}\n{PEOPLE[m['who']][4]}"
    style = client(m)[2]
    if not m["parent"] or m.get("norefs") or style == "none":
        return own + "\n"
    p = BY_KEY[m["parent"]]
    lines = p["body"].split("\n")
    lines = lines[:10] + ["[...]"] if len(lines) > 10 else lines
    quoted = attribution(m, p) + "\n" + "\n".join("> " + l if l else ">" for l in lines)
    return (own + "\n\n" + quoted if style == "top" else quoted + "\n\n" + own) + "\n"


def soft_breaks(text):
    """The lines of text, and the set of those that continue a wrapped paragraph."""
    lines = text.split("\n")
    end = lines.index("-- ") if "-- " in lines else len(lines)
    return lines, {i for i in range(end - 1) if len(lines[i]) >= 55 and lines[i + 1]
                   and not lines[i].startswith(">") and not re.match(r"[->*\s]|\d+\. ", lines[i + 1])}


def flowed(text):
    """RFC 3676 format=flowed: a trailing space marks a soft line break; space-stuffing."""
    lines, soft = soft_breaks(text)
    out = [l if l == "-- " else l.rstrip(" ") + (" " if i in soft else "") for i, l in enumerate(lines)]
    return "\n".join(" " + l if l.startswith((" ", "From ")) else l for l in out)


def unwrap(text):
    """What an Outlook-like client sends: each paragraph on one long line."""
    lines, soft = soft_breaks(text)
    return "".join(l + (" " if i in soft else "\n") for i, l in enumerate(lines))


def html_from_text(text):
    """The HTML alternative a client builds from the text: paragraphs, lists, signature."""
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    own, sig = text.split("\n-- \n")
    out = ['<!DOCTYPE html>\n<html>\n<head><meta http-equiv="content-type" content="text/html; '
           'charset=UTF-8"></head>\n<body>']
    for para in own.strip().split("\n\n"):
        lines = para.split("\n")
        head = [esc(l) for l in lines if not l.startswith("- ")]
        items = [f"<li>{esc(l[2:])}</li>" for l in lines if l.startswith("- ")]
        out += ["<p>" + "<br>\n".join(head) + "</p>"] if head else []
        out += ["<ul>", *items, "</ul>"] if items else []
    return "\n".join(out + ['<pre class="moz-signature" cols="72">-- ', esc(sig.strip()) + "</pre>",
                            "</body>\n</html>\n"])


def text_part(text, kind):
    """Content-Type, Content-Transfer-Encoding and encoded bytes of a text part."""
    if kind == "flowed":
        return "text/plain; charset=UTF-8; format=flowed", "8bit", flowed(text).encode()
    if kind == "qp":
        return 'text/plain; charset="utf-8"', "quoted-printable", binascii.b2a_qp(unwrap(text).encode())
    if kind == "b64":
        data = text.replace("\n", "\r\n").encode()  # text is encoded in canonical (CRLF) form
        return 'text/plain; charset="UTF-8"', "base64", base64.encodebytes(data)
    if kind == "latin1":
        return "text/plain; charset=ISO-8859-1", "8bit", text.encode("latin-1")
    if kind == "cp1252":  # windows-1252 bytes (€, curly quotes) under a wrong iso-8859-1 label
        return 'text/plain; charset="iso-8859-1"', "8bit", text.encode("cp1252")
    if kind == "html":
        return "text/html; charset=utf-8", "quoted-printable", binascii.b2a_qp(text.encode())
    data = text.encode()
    return "text/plain; charset=UTF-8", "7bit" if data.isascii() else "8bit", data


def leaf(ct, cte, data, *extra):
    return [("Content-Type", ct), ("Content-Transfer-Encoding", cte), *extra], data


def render(headers):
    return "".join(f"{n}: {v}\n" for n, v in headers).encode("ascii")


def multipart(subtype, m, n, parts):
    x = digest(f"{m['key']}/{n}")
    b = {"tb": "------------" + x[:24], "outlook": f"_00{n}_{x[:24].upper()}_"}.get(
        m.get("client") or PEOPLE[m["who"]][3], f"Apple-Mail={x[:8].upper()}-{x[8:12].upper()}")
    body = b"This is a multi-part message in MIME format.\n"
    for hdrs, data in parts:
        body += f"--{b}\n".encode() + render(hdrs) + b"\n" + data.rstrip(b"\n") + b"\n\n"
    return [("Content-Type", f'multipart/{subtype};\n boundary="{b}"')], body + f"--{b}--\n".encode()


def pdf():
    """A tiny but valid one-page PDF."""
    text = ("BT /F1 16 Tf 60 780 Td (Resultats essais couverts vegetaux 2026) Tj 0 -24 Td /F1 11 Tf "
            "(Apports de carbone - melange phacelie avoine vesce : 2.1 t C/ha) Tj ET")
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{o}\nendobj\n".encode()
    xref = f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    trailer = f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{len(out)}\n%%EOF\n"
    return out + (xref + trailer).encode()


def png():
    """A real 1x1 PNG (one soil-brown pixel)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x8b\x5a\x2b\xff", 9)) + chunk(b"IEND", b""))


PDF_NAME = unicodedata.normalize("NFD", "Résultats essais 2026.pdf")  # decomposed, as macOS Mail sends it
PNG_NAME = "plan-acces-lahitte.png"


def attachment(kind):
    if kind == "pdf":
        return leaf(f'application/pdf;\n name="{encoded_words(PDF_NAME, "utf-8", "q", 75)[0]}"', "base64",
                    base64.encodebytes(pdf()),
                    ("Content-Disposition", f"attachment;\n filename*=utf-8''{quote(PDF_NAME)}"))
    return leaf(f'image/png;\n name="{PNG_NAME}"', "base64", base64.encodebytes(png()),
                ("Content-Disposition", f'attachment;\n filename="{PNG_NAME}"'))


def broken():
    """Not a mail: the tail of an interrupted transfer, binary junk then base64 and a cut boundary.
    No line looks like a header field (no colon at all); no NUL byte, so IMAP APPEND accepts it."""
    junk, seed = b"", b"4p1000 demo: interrupted transfer"
    while len(junk) < 160:
        seed = hashlib.sha256(seed).digest()
        junk += bytes(b for b in seed if b not in b"\x00\r\n:")
    b64 = base64.b64encode(pdf()[40:340]).decode()
    lines = "\r\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
    return junk[:160] + f"\r\n{lines}\r\n\r\n------------4f0c9a1d2e7b\r\nContent-Ty".encode()


def build(m):
    if m.get("kind") == "broken":
        return broken()
    name, addr = PEOPLE[m["who"]][:2]
    c, kind, lst, dom = client(m), m.get("kind", "plain"), f"{m['lst']}@{LIST_DOMAIN}", addr.split("@")[1]
    if kind == "html":
        body = leaf(*text_part(m["html"], "html"))
    elif kind == "alt":
        text = full_text(m)
        body = multipart("alternative", m, 1, [leaf(*text_part(text, "plain")),
                                               leaf(*text_part(html_from_text(text), "html"))])
    else:
        body = leaf(*text_part(full_text(m), kind))
    if m.get("attach"):
        body = multipart("mixed", m, 0, [body, attachment(m["attach"])])
    x, n = digest(m["key"]), int(digest(dom)[:6], 16)
    ip = f"{('192.0.2', '198.51.100', '203.0.113')[n % 3]}.{n % 250 + 1}"
    received = when(m) + timedelta(seconds=20 + int(x[:2], 16), minutes=m.get("delay", 0))
    received = format_datetime(received.astimezone(SERVER_TZ))
    headers = [("Return-Path", f"<{addr}>"), ("Delivered-To", lst),
               ("Received", f"from mail.{dom} (mail.{dom} [{ip}])\n\tby mx.{LIST_DOMAIN} (Postfix) "
                            f"with ESMTPS id {x[2:12].upper()}\n\tfor <{lst}>; {received}"),
               ("From", mailbox(name, addr, c)), ("To", lst), ("Subject", subject_header(subject(m), c)),
               ("Date", format_datetime(when(m))), ("Message-ID", f"<{message_id(m)}>")]
    if m["parent"] and not m.get("norefs"):
        chain = ancestors(m)
        headers += [("In-Reply-To", f"<{chain[-1]}>"), ("References", "\n ".join(f"<{i}>" for i in chain))]
    headers += [("MIME-Version", "1.0"), c[4]] + body[0]
    if c is CLIENTS["tb"]:
        headers.append(("Content-Language", PEOPLE[m["who"]][2]))
    return re.sub(rb"\r?\n", b"\r\n", render(headers) + b"\n" + body[1])


def paths(out):
    """{key: path}: out/<list>/NNN.eml, numbered in delivery order."""
    return {m["key"]: out / lst / f"{i:03d}.eml"
            for lst in LISTS for i, m in enumerate([m for m in MSGS if m["lst"] == lst], 1)}


def write(out):
    for lst in LISTS:
        (out / lst).mkdir(parents=True, exist_ok=True)
        for old in (out / lst).glob("*.eml"):
            old.unlink()
    for key, path in paths(out).items():
        path.write_bytes(build(BY_KEY[key]))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write(Path(sys.argv[1]))
    print(f"{len(MSGS)} messages written to {sys.argv[1]}")
