"""A deterministic synthetic stream of election-campaign news and posts, in English and Turkish.

Why this exists: the detector has to be demonstrated and tested without a live crawler, and real
collected data cannot be redistributed. This module writes a stream that looks like what the
producers deliver during a campaign in which a deepfake allegation, a denial and counter-claims
spread across news sites and social networks within hours: several overlapping stories, each
with a burst shape (slow start, peak, decay), told in two languages, amplified by
near-duplicate reposts, surrounded by unrelated chatter and polluted with the page junk real
articles carry. A story's original posts are worded the way a crowd words one claim
(`_Generator._compose`): shared headlines, one wording's lead joined to another's follow-up,
swapped words, openers, cut-off cross-posts. Whole templates alone made every phrasing a dense
island that the detector rightly reported as a narrative of its own. Every record carries its
planted narrative key in ``label`` so tests and the demo can score what the detector finds.

Why the names are invented: the stream puts fabricated claims and quotes in people's mouths.
Candidates, reporters and handles are fictional; only places, institutions and the general shape
of the story are real.

Why only the standard library and one seeded ``random.Random``: the same arguments must give
byte-identical output on every machine and Python version we run, with no clock, no global
random state and no dependency that could change its draws.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["NARRATIVE_KEYS", "SAMPLE_START", "generate_sample", "write_sample"]

#: Default start of the stream: the Monday before a Sunday election.
SAMPLE_START: datetime = datetime(2023, 5, 8, 0, 0, 0, tzinfo=UTC)

_ARTICLE_SHARE = 0.20  # of all records
_REPOST_SHARE = 0.15  # of each narrative's records; reposts are always posts
_VIRAL_SHARE = 0.2  # of a narrative's original posts, the ones that get reposted
_TURKEY = timezone(timedelta(hours=3))  # audience clock, for the day/night rhythm
_SLOT = re.compile(r"\{(\w+)\}")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

Slots = Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class _Narrative:
    """One planted story: when it lives, how loud it is, and how people word it."""

    key: str
    weight: float  # relative volume
    window: tuple[float, float]  # sub-range of the span, as fractions
    shape: tuple[float, float]  # beta(a, b) over the window: a < b gives an early peak
    tr_share: float
    posts: Mapping[str, Sequence[str]]  # lang -> post templates
    titles: Mapping[str, Sequence[str]]  # lang -> headline templates
    sentences: Mapping[str, Sequence[str]]  # lang -> article body sentences
    hashtags: Mapping[str, Sequence[str]]
    voices: Sequence[tuple[str, str]]  # (name, handle) quoted as embedded tweets
    slots: Slots = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Topic:
    """A noise topic: everyday chatter that must not look like any narrative."""

    name: str
    posts: Mapping[str, Sequence[str]]
    titles: Mapping[str, Sequence[str]]
    slots: Slots = field(default_factory=dict)


@dataclass(slots=True)
class _Draft:
    """A record before ids are given: ids follow time order, which is only known at the end."""

    offset: int  # seconds after the (rounded) start
    seq: int  # generation order, the deterministic tie-break
    kind: str
    fields: dict[str, object]


# --------------------------------------------------------------------------------------------
# Vocabulary shared by all stories: who is running, where, how people react.
# --------------------------------------------------------------------------------------------

_SHARED_SLOTS: dict[str, tuple[str, ...]] = {
    "opp": ("Selim Akın", "opposition candidate Selim Akın", "Akın", "the opposition's Selim Akın"),
    "opp_tr": (
        "Selim Akın",
        "Akın",
        "Millet Cephesi adayı Selim Akın",
        "muhalefetin adayı Selim Akın",
    ),
    "opp_gen_tr": ("Selim Akın'ın", "Akın'ın", "muhalefet adayı Akın'ın"),
    "inc": ("President Orhan Tekin", "Tekin", "incumbent Orhan Tekin"),
    "inc_tr": ("Cumhurbaşkanı Orhan Tekin", "Tekin", "Orhan Tekin"),
    "wd": ("Murat Ilgaz", "Ilgaz", "third-party candidate Murat Ilgaz"),
    "wd_tr": ("Murat Ilgaz", "Ilgaz", "Yurt Partisi adayı Murat Ilgaz"),
    "city": ("Istanbul", "Ankara", "Izmir", "Bursa", "Antalya", "Diyarbakır", "Adana", "Konya"),
    "city_tr": ("İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", "Diyarbakır", "Adana", "Konya"),
    "day": ("Sunday's vote", "the May 14 election", "the election", "the vote"),
    "emo": ("😱", "🤔", "👀", "🔥", "‼️", "😡", "🙄", "😮", "🇹🇷", "", "", ""),
    "reaction": (
        "Wow.",
        "This is serious.",
        "Big if true.",
        "Not surprised tbh.",
        "Thoughts?",
        "Wild.",
        "Unbelievable.",
        "Share before it's deleted.",
    ),
    "reaction_tr": (
        "Vay be.",
        "Bu çok ciddi.",
        "Kanıt var mı?",
        "Şaşırmadım açıkçası.",
        "Ne diyorsunuz?",
        "Gündem yine karıştı.",
        "İnanılır gibi değil.",
        "Silinmeden paylaşın.",
    ),
}

_CONTEXT: dict[str, tuple[str, ...]] = {
    "en": (
        "Turkey holds presidential and parliamentary elections on May 14.",
        "The vote is widely seen as the toughest electoral test for the incumbent in two decades.",
        "Disinformation has been a recurring concern throughout the campaign.",
        "More than 60 million people are eligible to vote, including about 5 million first-time "
        "voters.",
    ),
    "tr": (
        "Türkiye 14 Mayıs'ta cumhurbaşkanlığı ve milletvekili seçimleri için sandığa gidecek.",
        "Seçim, iktidar için son yirmi yılın en zorlu sınavı olarak görülüyor.",
        "Dezenformasyon, kampanya boyunca en çok tartışılan konulardan biri oldu.",
        "Seçimde yaklaşık 5 milyonu ilk kez oy kullanacak olmak üzere 60 milyondan fazla seçmen "
        "oy kullanacak.",
    ),
}

# --------------------------------------------------------------------------------------------
# The planted narratives. Each tells one distinct claim; they share the election setting.
# --------------------------------------------------------------------------------------------

_NARRATIVES: tuple[_Narrative, ...] = (
    _Narrative(
        key="deepfake-allegation",
        weight=1.25,
        window=(0.0, 0.45),
        shape=(2.0, 3.5),
        tr_share=0.36,
        posts={
            "en": (
                "{opp} says Russia is behind a wave of deepfake videos aimed at {day} {emo}",
                "BREAKING: {opp} accuses Moscow of producing AI-generated fake clips and audio "
                "to sway {day}",
                '"Our Russian friends, keep your hands off our state" — {opp} warns the Kremlin '
                "over deepfake content ahead of {day}",
                "So {opp} is openly blaming Russia for the deepfakes circulating online. Huge "
                "accusation days before {day}. {reaction}",
                "Deepfake season in Turkey: {opp} claims Russian operatives fabricated videos and "
                "tapes to smear his campaign {emo}",
                "{opp} just posted that Russian-made deepfakes will flood social media before "
                "{day}. {reaction}",
                "Accusing Russia of election deepfakes is a big step for {opp}. Any evidence? "
                "{reaction}",
            ),
            "tr": (
                "{opp_tr}, Rusya'yı seçim öncesi deepfake videolar üretmekle suçladı {emo}",
                'SON DAKİKA: {opp_tr}: "Rus dostlarımız, elinizi Türk devletinden çekin!" Sahte '
                "videoların arkasında Rusya var dedi.",
                "{opp_gen_tr} iddiası çok ağır: Rusya yapay zekâyla sahte ses kayıtları ve "
                "videolar hazırlıyormuş. {reaction_tr}",
                "Seçime günler kala deepfake tartışması: {opp_tr}, Rusya'nın sosyal medyada "
                "sahte içerik yaydığını söyledi.",
                "{opp_tr} Rusya'yı açıkça suçluyor: montaj videolar, deepfake kayıtlar... "
                "{reaction_tr}",
                "Yapay zekâyla üretilmiş sahte videolar seçimi etkiler mi? {opp_tr} Rusya'yı "
                "işaret etti {emo}",
            ),
        },
        titles={
            "en": (
                "Selim Akın accuses Russia of deepfake campaign ahead of Turkish vote",
                "Turkish opposition candidate blames Moscow for AI-generated fake videos",
                "'Keep your hands off our state': Akın warns Russia over deepfakes",
                "Deepfakes enter Turkey's election as Akın points finger at Russia",
            ),
            "tr": (
                "Selim Akın'dan Rusya'ya deepfake suçlaması",
                "Akın: Sahte videoların arkasında Rusya var",
                "Seçim öncesi deepfake iddiası: Muhalefet adayı Rusya'yı işaret etti",
            ),
        },
        sentences={
            "en": (
                "Opposition presidential candidate Selim Akın on Monday accused Russia of being "
                "responsible for deepfake content circulating online days before the election.",
                '"Our dear Russian friends, we know you are behind the fabricated videos and '
                'audio tapes spreading in this country," Akın wrote on social media.',
                "He said that if Moscow wanted friendship with Turkey after the vote, it should "
                "keep its hands off the Turkish state.",
                "Akın did not provide evidence for the claim, and his campaign declined to give "
                "further details.",
                "Analysts said the accusation was an unusually direct challenge to Moscow by a "
                "Turkish opposition leader.",
                "Experts warned that cheap AI tools now make it easy to produce convincing fake "
                "audio of politicians.",
                "The allegation came as clips of uncertain origin spread rapidly on Twitter, "
                "Telegram and WhatsApp groups.",
            ),
            "tr": (
                "Muhalefetin cumhurbaşkanı adayı Selim Akın, seçime günler kala sosyal medyada "
                "yayılan deepfake içeriklerden Rusya'yı sorumlu tuttu.",
                'Akın, sosyal medya hesabından yaptığı paylaşımda "Sevgili Rus dostlarımız, bu '
                'ülkede yayılan montajların ve sahte kayıtların arkasında siz varsınız" '
                "ifadelerini kullandı.",
                "Akın, seçimden sonra da dostluk istiyorlarsa Moskova'nın elini Türk devletinden "
                "çekmesi gerektiğini söyledi.",
                "Akın, iddiasına ilişkin herhangi bir kanıt sunmadı.",
                "Uzmanlar, yapay zekâ araçlarıyla siyasetçilerin sesini taklit eden sahte "
                "kayıtların artık çok kolay üretilebildiği uyarısında bulundu.",
                "Açıklama, kaynağı belirsiz videoların Twitter, Telegram ve WhatsApp gruplarında "
                "hızla yayıldığı bir döneme denk geldi.",
            ),
        },
        hashtags={
            "en": ("#deepfake", "#TurkeyElections", "#Russia", "#AI", "#Seçim2023"),
            "tr": ("#deepfake", "#Seçim2023", "#Rusya", "#SelimAkın", "#sahtevideo"),
        },
        voices=(("Selim Akın", "selimakin"), ("Deniz Arslan", "denizarslan_tv")),
    ),
    _Narrative(
        key="kremlin-denial",
        weight=0.9,
        window=(0.08, 0.55),
        shape=(2.2, 4.0),
        tr_share=0.30,
        posts={
            "en": (
                "Kremlin rejects {opp}'s claims: Moscow says it has nothing to do with any "
                "deepfakes in Turkey {emo}",
                "Kremlin spokesman: Russia does not interfere in Turkey's election, the "
                "accusations are 'absolutely baseless'",
                "Moscow denies meddling in the Turkish vote after the deepfake accusation. "
                "{reaction}",
                "The Kremlin says it 'firmly rejects' claims it is behind fake videos targeting "
                "{day}. Nobody expected anything else.",
                "Of course the Kremlin denies it. They always deny it. {emo}",
                "Russia officially denies any involvement in Turkish election deepfakes and calls "
                "the allegation irresponsible",
                "Kremlin denial in full: 'We do not interfere in the internal affairs of other "
                "countries.' {reaction}",
            ),
            "tr": (
                "Kremlin'den {opp_gen_tr} deepfake iddiasına yanıt: \"Türkiye'deki seçimlere "
                'müdahale etmiyoruz"',
                "Rusya, seçimlere karışma iddialarını kesinlikle reddetti. {reaction_tr}",
                "Kremlin sözcüsü: Sahte videolarla hiçbir ilgimiz yok, suçlamalar tamamen asılsız.",
                "Moskova yalanladı: Rusya'nın Türkiye seçimlerinde deepfake kullandığı iddiası "
                '"sorumsuzca" {emo}',
                "Tabii ki Kremlin reddedecek, başka ne bekliyordunuz? {emo}",
                "Rusya'dan açıklama: Başka ülkelerin iç işlerine karışmıyoruz. {reaction_tr}",
            ),
        },
        titles={
            "en": (
                "Kremlin denies meddling in Turkish election after deepfake claim",
                "Russia rejects Turkish opposition's deepfake accusations as baseless",
                "Moscow: 'We do not interfere in Turkey's vote'",
            ),
            "tr": (
                "Kremlin'den seçime müdahale iddialarına yalanlama",
                "Rusya: Türkiye'deki seçimlere karışmıyoruz",
                "Moskova deepfake suçlamasını reddetti",
            ),
        },
        sentences={
            "en": (
                "The Kremlin on Tuesday denied any involvement in Turkey's election campaign, "
                "rejecting accusations that Russia was behind deepfake videos.",
                '"We firmly reject such claims. Russia does not interfere in the internal '
                'affairs of other countries," the Kremlin spokesman told reporters in Moscow.',
                "The spokesman added that Moscow valued its relations with Ankara regardless of "
                "who wins the vote.",
                "Russian officials described the allegation as irresponsible and said no evidence "
                "had been presented.",
                "The denial came a day after the opposition candidate accused Moscow of "
                "producing fabricated content.",
                "Russia's foreign ministry also dismissed the claims as domestic political "
                "point-scoring.",
            ),
            "tr": (
                "Kremlin, Rusya'nın Türkiye'deki seçim sürecine müdahale ettiği yönündeki "
                "iddiaları kesin bir dille reddetti.",
                "Kremlin sözcüsü, Moskova'da gazetecilere yaptığı açıklamada \"Bu tür iddiaları "
                'kesinlikle reddediyoruz, başka ülkelerin iç işlerine karışmıyoruz" dedi.',
                "Sözcü, seçimi kim kazanırsa kazansın Ankara ile ilişkilere önem verdiklerini "
                "vurguladı.",
                "Rus yetkililer, iddiaların sorumsuzca olduğunu ve hiçbir kanıt sunulmadığını "
                "savundu.",
                "Yalanlama, muhalefet adayının Rusya'yı sahte içerik üretmekle suçlamasının "
                "ardından geldi.",
            ),
        },
        hashtags={
            "en": ("#Kremlin", "#Russia", "#TurkeyElections", "#deepfake"),
            "tr": ("#Kremlin", "#Rusya", "#yalanlama", "#Seçim2023"),
        },
        voices=(("Moscow Desk", "moscowdesk"), ("Elena Markova", "emarkova_news")),
    ),
    _Narrative(
        key="candidate-withdrawal-tapes",
        weight=1.1,
        window=(0.22, 0.72),
        shape=(2.0, 4.0),
        tr_share=0.38,
        posts={
            "en": (
                "{wd} has withdrawn from the presidential race, saying a fabricated sex tape was "
                "used to smear him {emo}",
                "BREAKING: {wd} pulls out of {day}, blames 'defamatory' fake recordings "
                "circulating online",
                '"This is not my private life, it is slander" — {wd} quits the race after an '
                "alleged deepfake tape leaks",
                "A candidate withdrawing days before the vote because of a fake intimate video. "
                "{reaction}",
                "{wd} says he endured weeks of character assassination and fabricated videos, "
                "now he is quitting. {reaction}",
                "Who benefits from {wd} withdrawing? His votes will shift to {opp} or {inc}. The "
                "fake tape scandal changes the race.",
            ),
            "tr": (
                "{wd_tr} adaylıktan çekildi! Gerekçe: hakkında yayılan montaj kayıtlar ve iftira "
                "kampanyası {emo}",
                'SON DAKİKA: {wd_tr} cumhurbaşkanlığı yarışından çekildiğini açıkladı. "Bu bir '
                'karakter suikastıdır" dedi.',
                '{wd_tr}: "Sahte videolarla namusuma saldırdılar, adaylıktan çekiliyorum." '
                "{reaction_tr}",
                "Seçime günler kala bir aday sahte kaset yüzünden çekiliyor. Bu ülkede neler "
                "oluyor? {emo}",
                "{wd_tr} çekildi, oylar nereye gidecek? Kaset skandalı seçimi değiştirir mi?",
            ),
        },
        titles={
            "en": (
                "Murat Ilgaz quits Turkish presidential race over 'fabricated' tapes",
                "Candidate withdraws days before vote, citing deepfake sex tape",
                "Ilgaz pulls out, says he was the target of defamatory fake recordings",
            ),
            "tr": (
                "Murat Ilgaz adaylıktan çekildi",
                "Ilgaz: Montaj kasetlerle karakter suikastına uğradım",
                "Seçime günler kala sürpriz karar: Ilgaz yarıştan çekildi",
            ),
        },
        sentences={
            "en": (
                "Presidential candidate Murat Ilgaz withdrew from the race on Thursday, saying he "
                "had been the target of a defamation campaign using fabricated recordings.",
                '"I am withdrawing my candidacy. I have faced slander and fake content for '
                'weeks," Ilgaz told reporters outside his party headquarters.',
                "Ilgaz said an alleged sex tape circulating online had been produced with "
                "deepfake technology from footage found on the internet.",
                "His name will remain on the ballot because printing had already been completed, "
                "election officials said.",
                "Polls had put Ilgaz's support at two to four percent, and analysts debated "
                "which candidate would benefit from his exit.",
                "Prosecutors said they had opened an investigation into the origin of the videos.",
            ),
            "tr": (
                "Cumhurbaşkanı adayı Murat Ilgaz, hakkında yayılan sahte kayıtları gerekçe "
                "göstererek adaylıktan çekildiğini açıkladı.",
                'Ilgaz, parti genel merkezinde düzenlediği basın toplantısında "Haftalardır '
                'iftiraya ve montaj içeriklere maruz kalıyorum, adaylığımı geri çekiyorum" dedi.',
                "Ilgaz, internette dolaşan kaset görüntülerinin deepfake teknolojisiyle "
                "üretildiğini öne sürdü.",
                "Yüksek Seçim Kurulu, oy pusulalarının basımı tamamlandığı için Ilgaz'ın adının "
                "pusulada kalacağını bildirdi.",
                "Anketlerde yüzde iki ila dört arasında oy alan Ilgaz'ın çekilmesinin hangi "
                "adaya yarayacağı tartışılıyor.",
                "Başsavcılık, videoların kaynağına ilişkin soruşturma başlattı.",
            ),
        },
        hashtags={
            "en": ("#MuratIlgaz", "#TurkeyElections", "#deepfake", "#withdrawal"),
            "tr": ("#MuratIlgaz", "#kumpas", "#adaylık", "#Seçim2023", "#iftira"),
        },
        voices=(("Murat Ilgaz", "muratilgaz"), ("Yurt Partisi", "yurtpartisi")),
    ),
    _Narrative(
        key="doctored-rally-video",
        weight=1.0,
        window=(0.30, 0.82),
        shape=(2.0, 3.5),
        tr_share=0.32,
        posts={
            "en": (
                "{inc} showed a doctored video at the {city} rally, splicing {opp}'s campaign ad "
                "with footage of militant commanders {emo}",
                "That clip on the big screen at the {city} rally was edited. Two separate videos "
                "stitched together, fact-checkers confirm. {reaction}",
                "Fact check: the rally video linking {opp} to militants is a montage of two "
                "unrelated clips",
                "Playing a spliced video in front of thousands at a rally is next-level "
                "disinformation. {reaction}",
                "{inc} admits the rally video was 'edited' but says the message is true?? "
                "{reaction}",
                "Frame by frame: the militant footage and the campaign song come from different "
                "videos. The {city} rally montage is fake. {emo}",
            ),
            "tr": (
                "{inc_tr}, {city_tr} mitinginde dev ekrandan montaj bir video izletti {emo}",
                "Mitingde gösterilen videoda {opp_gen_tr} kampanya klibi ile örgüt yöneticilerinin "
                "görüntüleri birleştirilmiş. Resmen montaj! {reaction_tr}",
                "Doğruluk kontrolü: {city_tr} mitingindeki video iki farklı görüntünün "
                "kurgulanmasıyla hazırlanmış.",
                "Binlerce kişiye miting alanında sahte video izletmek... {reaction_tr}",
                "Mitingdeki videonun montaj olduğu ortaya çıktı ama kimse özür dilemiyor. {emo}",
            ),
        },
        titles={
            "en": (
                "Video shown at Tekin rally was doctored, fact-checkers say",
                "Rally screen clip spliced opposition ad with militant footage",
                "Campaign row over edited video played at Turkish rally",
            ),
            "tr": (
                "Mitingde izletilen videonun montaj olduğu ortaya çıktı",
                "Doğruluk kontrolü: Miting ekranındaki video kurgu",
                "Miting videosu tartışması büyüyor",
            ),
        },
        sentences={
            "en": (
                "A video shown on giant screens at a campaign rally of President Orhan Tekin was "
                "doctored, independent fact-checkers said.",
                "The clip appeared to show militant commanders singing along to the opposition's "
                "campaign song, but analysis showed two separate videos had been stitched "
                "together.",
                "Tekin told the crowd that the footage proved the opposition was cooperating with "
                "terrorists.",
                "Later, Tekin said the video had been 'edited' but insisted the point it made was "
                "accurate.",
                "The opposition called the montage a deliberate attempt to deceive voters and "
                "filed a complaint with election authorities.",
                "Fact-checking platforms published frame-by-frame comparisons showing where the "
                "clips were joined.",
            ),
            "tr": (
                "Cumhurbaşkanı Orhan Tekin'in mitinginde dev ekranlardan yansıtılan videonun "
                "montaj olduğu ortaya çıktı.",
                "Videoda örgüt yöneticilerinin muhalefetin kampanya şarkısına eşlik ettiği "
                "görülüyordu; ancak incelemeler iki ayrı görüntünün birleştirildiğini gösterdi.",
                "Tekin, miting alanındaki kalabalığa videonun muhalefetin terör örgütüyle iş "
                "birliği yaptığını kanıtladığını söyledi.",
                'Tekin daha sonra videonun "kurgulandığını" kabul etti, ancak verilen mesajın '
                "doğru olduğunu savundu.",
                "Muhalefet, videonun seçmeni kandırmaya yönelik bilinçli bir girişim olduğunu "
                "belirterek Yüksek Seçim Kurulu'na şikâyette bulundu.",
                "Doğruluk kontrolü platformları, görüntülerin hangi karede birleştirildiğini "
                "gösteren karşılaştırmalar yayımladı.",
            ),
        },
        hashtags={
            "en": ("#factcheck", "#TurkeyElections", "#disinformation", "#rally"),
            "tr": ("#montaj", "#SahteVideo", "#miting", "#Seçim2023", "#teyit"),
        },
        voices=(("Teyit Masası", "teyitmasasi"), ("Factcheck Turkey", "factcheck_tr")),
    ),
    _Narrative(
        key="ballot-fraud-claim",
        weight=1.1,
        window=(0.50, 1.0),
        shape=(2.5, 3.0),
        tr_share=0.40,
        posts={
            "en": (
                "VIDEO: ballot boxes being stuffed with pre-marked ballots at a polling station "
                "in {city}?! {emo}",
                "This video claims to show officials stuffing ballot boxes in {city}. The "
                "election board says it is from an old vote. {reaction}",
                "They will steal the election! Watch this ballot stuffing clip from {city} "
                "before they delete it {emo}",
                "The 'stuffed ballot box' video going viral is from the 2019 local elections, not "
                "this year. Stop sharing it.",
                "Counter-claim from {inc}'s supporters: the opposition is preparing ballot fraud, "
                "and the stuffed boxes video is their 'proof'",
                "Pre-marked ballots found in {city}? The election board calls the viral video "
                "misleading. {reaction}",
            ),
            "tr": (
                "VİDEO: {city_tr} ilindeki bir okulda sandıklara önceden mühürlenmiş oy "
                "pusulaları mı dolduruluyor?! {emo}",
                "Sandıklara toplu oy basılan video her yerde. YSK videonun eski olduğunu "
                "söylüyor. {reaction_tr}",
                "Seçimi çalacaklar! Silinmeden izleyin, {city_tr} ilinde sandığa torba torba oy "
                "atılıyor {emo}",
                'Yayılan "sandık hilesi" videosu 2019 yerel seçimlerine ait, bu seçimle ilgisi '
                "yok. Lütfen paylaşmayın.",
                "Sandık görevlileri dikkat! Önceden işaretlenmiş oy pusulası videosu gerçek mi "
                "montaj mı? {reaction_tr}",
            ),
        },
        titles={
            "en": (
                "Viral 'ballot stuffing' video is old footage, election board says",
                "Claims of pre-marked ballots spread online ahead of vote",
                "Election authority rejects ballot fraud video as misleading",
            ),
            "tr": (
                "YSK: Sandık hilesi videosu eski tarihli",
                "Önceden işaretlenmiş oy pusulası iddiası sosyal medyada yayılıyor",
                '"Sandığa oy basılıyor" videosunun gerçeği',
            ),
        },
        sentences={
            "en": (
                "A video purporting to show officials stuffing ballot boxes with pre-marked "
                "ballots spread widely on social media on the eve of the vote.",
                "The Supreme Election Council said the footage was recorded during a previous "
                "election and had nothing to do with the current vote.",
                "Supporters of both camps shared the clip, each accusing the other side of "
                "preparing to rig the count.",
                "Fact-checkers traced the video to a local by-election several years ago.",
                "Opposition parties said they would deploy hundreds of thousands of volunteers "
                "to watch polling stations and ballot counts.",
                "Officials urged voters not to share unverified videos about ballot fraud.",
            ),
            "tr": (
                "Görevlilerin sandıklara önceden işaretlenmiş oy pusulası doldurduğunu gösterdiği "
                "iddia edilen video, seçim öncesinde sosyal medyada hızla yayıldı.",
                "Yüksek Seçim Kurulu, görüntülerin önceki bir seçime ait olduğunu ve bu seçimle "
                "hiçbir ilgisi bulunmadığını açıkladı.",
                "İki taraf da videoyu paylaşarak karşı tarafı sandık hilesine hazırlanmakla "
                "suçladı.",
                "Teyit platformları videonun yıllar önceki bir ara seçimde çekildiğini tespit "
                "etti.",
                "Muhalefet partileri, sandık başlarında ve oy sayımında yüz binlerce gönüllü "
                "görevlendireceklerini duyurdu.",
                "Yetkililer, seçmenleri doğrulanmamış sandık hilesi videolarını paylaşmamaları "
                "konusunda uyardı.",
            ),
        },
        hashtags={
            "en": ("#BallotStuffing", "#ElectionFraud", "#TurkeyElections", "#vote"),
            "tr": ("#SandıkGüvenliği", "#OyHırsızlığı", "#YSK", "#Seçim2023", "#sandık"),
        },
        voices=(("Sandık Gönüllüsü", "sandikgonullusu"), ("Vote Watch TR", "votewatch_tr")),
    ),
    _Narrative(
        key="polls-tight-race",
        weight=0.8,
        window=(0.02, 0.98),
        shape=(1.5, 1.5),
        tr_share=0.30,
        posts={
            "en": (
                "New poll: {opp} {pct}%, {inc} {pct2}%. Too close to call, a runoff looks likely "
                "{emo}",
                "Every poll says the same thing: neither {opp} nor {inc} will pass 50% in the "
                "first round. Runoff on May 28?",
                "Polls show a neck-and-neck race. Undecided voters will decide {day}. {reaction}",
                "Latest survey has the gap within the margin of error. {reaction}",
                "Markets nervous as polls show a tight Turkish race, lira under pressure {emo}",
            ),
            "tr": (
                "Yeni anket: {opp_tr} yüzde {pct_tr}, {inc_tr} yüzde {pct2_tr}. Seçim ikinci "
                "tura kalabilir {emo}",
                "Bütün anketler aynı şeyi söylüyor: ilk turda kimse yüzde 50'yi geçemeyecek. "
                "28 Mayıs'ta ikinci tur mu? {reaction_tr}",
                "Kararsız seçmenler seçimi belirleyecek, fark hata payı içinde.",
                "Son anket sonuçları açıklandı, yarış başa baş gidiyor. {reaction_tr}",
            ),
        },
        titles={
            "en": (
                "Polls point to tight Turkish race as vote nears",
                "Turkey's election likely headed for runoff, surveys show",
                "Neck and neck: latest polls show narrow gap between candidates",
            ),
            "tr": (
                "Anketler başa baş bir yarışa işaret ediyor",
                "Seçim ikinci tura mı kalacak? Son anket sonuçları",
                "Son anket: İki aday arasındaki fark hata payı içinde",
            ),
        },
        sentences={
            "en": (
                "Opinion polls published this week show the two main candidates separated by "
                "only a few percentage points.",
                "Most surveys suggest neither candidate will clear the 50 percent threshold "
                "needed to win in the first round, which would trigger a runoff on May 28.",
                "Pollsters said undecided voters, many of them young first-time voters, could tip "
                "the balance.",
                "The lira weakened as investors priced in the uncertainty of a close result.",
                "One survey of about 3,000 respondents put the gap within the margin of error.",
            ),
            "tr": (
                "Bu hafta yayımlanan kamuoyu yoklamaları, iki ana aday arasında yalnızca birkaç "
                "puanlık fark olduğunu gösteriyor.",
                "Anketlerin çoğu, adaylardan hiçbirinin ilk turda yüzde 50 barajını "
                "aşamayacağına ve seçimin 28 Mayıs'ta ikinci tura kalacağına işaret ediyor.",
                "Araştırmacılar, çoğu ilk kez oy kullanacak gençlerden oluşan kararsız "
                "seçmenlerin dengeyi değiştirebileceğini söyledi.",
                "Yakın bir sonucun yarattığı belirsizlikle Türk lirası değer kaybetti.",
                "Yaklaşık 3 bin kişiyle yapılan bir ankette fark hata payı sınırları içinde kaldı.",
            ),
        },
        hashtags={
            "en": ("#polls", "#TurkeyElections", "#runoff"),
            "tr": ("#anket", "#ikinciTur", "#Seçim2023"),
        },
        voices=(("Poll Tracker TR", "polltracker_tr"), ("Kamuoyu Analiz", "kamuoyuanaliz")),
        slots={
            "pct": ("44.1", "45.3", "46.8", "47.2", "48.9", "49.4"),
            "pct2": ("43.7", "44.9", "45.5", "46.1", "47.6", "48.2"),
            "pct_tr": ("44,1", "45,3", "46,8", "47,2", "48,9", "49,4"),
            "pct2_tr": ("43,7", "44,9", "45,5", "46,1", "47,6", "48,2"),
        },
    ),
    _Narrative(
        key="earthquake-aid",
        weight=0.7,
        window=(0.10, 0.95),
        shape=(1.4, 1.8),
        tr_share=0.42,
        posts={
            "en": (
                "Three months after the earthquake, families in {quake} still live in tents. Aid "
                "trucks arriving today {emo}",
                "The container city in {quake} now houses thousands of quake survivors. "
                "Donations are still needed",
                "Volunteers are loading blankets, baby food and hygiene kits for {quake}. DM to "
                "help 🙏",
                "Reconstruction in {quake} is slow; survivors say the promised homes are not "
                "ready. {reaction}",
            ),
            "tr": (
                "Depremin üzerinden üç ay geçti, {quake} ilinde hâlâ çadırlarda yaşayan aileler "
                "var {emo}",
                "{quake} için yardım tırları yola çıktı. Battaniye, bebek maması ve hijyen paketi "
                "topluyoruz, destek olun 🙏",
                "{quake} konteyner kentinde binlerce depremzede kalıyor. Bağışlar hâlâ çok önemli.",
                "Kalıcı konutlar ne zaman bitecek? {quake} depremzedeleri bekliyor. {reaction_tr}",
            ),
        },
        titles={
            "en": (
                "Quake survivors in southern Turkey still await permanent homes",
                "Aid convoys head to earthquake zone as needs persist",
                "Container cities grow in Turkey's quake-hit provinces",
            ),
            "tr": (
                "Deprem bölgesinde kalıcı konut bekleyişi sürüyor",
                "Yardım tırları deprem bölgesine ulaştı",
                "Konteyner kentlerde yaşam: Depremzedeler anlatıyor",
            ),
        },
        sentences={
            "en": (
                "Three months after the devastating earthquakes in southern Turkey, hundreds of "
                "thousands of people still live in tents and containers.",
                "Aid groups said demand for hygiene kits, blankets and baby food remained high.",
                "The government has promised to build hundreds of thousands of new homes within "
                "a year.",
                "Survivors in Hatay said reconstruction was moving slowly and many streets were "
                "still covered in rubble.",
                "Volunteers from across the country continue to send trucks of supplies to the "
                "region.",
            ),
            "tr": (
                "Güney Türkiye'deki yıkıcı depremlerin üzerinden üç ay geçmesine rağmen yüz "
                "binlerce kişi hâlâ çadır ve konteynerlerde yaşıyor.",
                "Yardım kuruluşları hijyen paketi, battaniye ve bebek maması ihtiyacının "
                "sürdüğünü belirtti.",
                "Hükümet, bir yıl içinde yüz binlerce yeni konut inşa edileceğini taahhüt etti.",
                "Hatay'daki depremzedeler, yeniden yapılanmanın yavaş ilerlediğini ve birçok "
                "sokağın hâlâ enkazla kaplı olduğunu söyledi.",
                "Ülkenin dört bir yanından gönüllüler bölgeye yardım malzemesi yüklü tırlar "
                "göndermeyi sürdürüyor.",
            ),
        },
        hashtags={
            "en": ("#earthquake", "#Türkiye", "#Hatay", "#donate"),
            "tr": ("#deprem", "#Hatay", "#yardım", "#depremzede"),
        },
        voices=(("Yardım Ağı", "yardimagi"), ("Relief Now", "reliefnow_org")),
        slots={"quake": ("Hatay", "Kahramanmaraş", "Adıyaman", "Malatya", "Gaziantep", "Osmaniye")},
    ),
)

#: The planted narrative keys, in a stable order (the ground truth the demo scores against).
NARRATIVE_KEYS: tuple[str, ...] = tuple(n.key for n in _NARRATIVES)

# --------------------------------------------------------------------------------------------
# Noise: many small, unrelated topics so that no noise group rivals a narrative.
# --------------------------------------------------------------------------------------------


def _topic(
    name: str,
    en: Sequence[str],
    tr: Sequence[str],
    title_en: Sequence[str],
    title_tr: Sequence[str],
    slots: Slots | None = None,
) -> _Topic:
    return _Topic(name, {"en": en, "tr": tr}, {"en": title_en, "tr": title_tr}, slots or {})


_TOPICS: tuple[_Topic, ...] = (
    _topic(
        "football",
        (
            "What a match! {team} scored in the 90th minute {emo}",
            "Can't believe the referee gave that penalty against {team}. Robbery.",
            "Anyone got a link for the {team} game tonight?",
        ),
        (
            "{team} son dakikada golü buldu, stadyum yıkıldı! {emo}",
            "Hakem yine rezalet, bu penaltı değil arkadaş.",
            "Bu akşam {team} maçını nerede izleyeceğiz?",
        ),
        ("{team} snatch late win in dramatic derby",),
        ("{team} son dakikada güldü",),
        {
            "team": (
                "Galatasaray",
                "Fenerbahçe",
                "Beşiktaş",
                "Trabzonspor",
                "Arsenal",
                "Real Madrid",
                "Liverpool",
            )
        },
    ),
    _topic(
        "basketball",
        (
            "Efes through to the Final Four, unreal defence in the fourth quarter",
            "NBA playoffs are insane this year, Game 7 incoming {emo}",
        ),
        (
            "Efes Final Four'da! Son periyottaki savunma inanılmazdı",
            "NBA play-off'ları bu sene çok heyecanlı, yedinci maça gidiyoruz {emo}",
        ),
        ("Efes book Final Four place after comeback",),
        ("Efes Final Four biletini aldı",),
    ),
    _topic(
        "weather",
        (
            "It's raining again in {city}. So much for spring {emo}",
            "Heatwave warning for the weekend, stay hydrated everyone",
            "Fog so thick this morning I couldn't see the end of the street",
        ),
        (
            "{city_tr} yine yağmurlu, bahar nerede? {emo}",
            "Hafta sonu sıcaklık 30 dereceyi geçecekmiş, bol su için",
            "Sabah sis o kadar yoğundu ki karşı kaldırımı göremedim",
        ),
        ("Storms expected across the region this weekend",),
        ("Meteorolojiden sağanak uyarısı",),
    ),
    _topic(
        "food",
        (
            "Made homemade {dish} tonight and honestly it beats any restaurant",
            "Best {dish} in town? Drop your recommendations 👇",
            "Tried the new {dish} place near the office, overpriced and cold",
        ),
        (
            "Bu akşam evde {dish_tr} yaptım, restoranı aratmadı {emo}",
            "En iyi {dish_tr} nerede yenir? Önerilerinizi bekliyorum 👇",
            "Annemin {dish_tr} tarifi hâlâ bir numara",
        ),
        ("Ten easy recipes for busy weeknights",),
        ("Pratik akşam yemeği tarifleri",),
        {
            "dish": ("lasagna", "ramen", "tacos", "banana bread", "sourdough", "pad thai"),
            "dish_tr": ("mantı", "lahmacun", "karnıyarık", "menemen", "iskender", "içli köfte"),
        },
    ),
    _topic(
        "traffic",
        (
            "Traffic on the bridge is completely stuck, 45 minutes and counting",
            "Metro line closed again this morning, thanks for nothing {emo}",
        ),
        (
            "Köprü trafiği kilitlendi, 45 dakikadır yerimden kıpırdamadım",
            "Metrobüs yine tıklım tıklım, nefes alacak yer yok {emo}",
        ),
        ("Roadworks cause major delays on ring road",),
        ("Yol çalışması nedeniyle trafik durma noktasına geldi",),
    ),
    _topic(
        "celebrity",
        (
            "{celeb} just announced a world tour and I need tickets NOW",
            "Did {celeb} really get married in secret?? {emo}",
        ),
        (
            "{celeb} gizlice evlenmiş mi? Magazin basını çalkalanıyor {emo}",
            "{celeb} konser tarihlerini açıkladı, biletler yarın satışta",
        ),
        ("{celeb} surprises fans with new announcement",),
        ("{celeb} hayranlarını şaşırttı",),
        {"celeb": ("Taylor Swift", "Beyoncé", "Tarkan", "Hande Erçel", "Dua Lipa", "Kerem Bürsin")},
    ),
    _topic(
        "shopping",
        (
            "Huge sale on sneakers this weekend, 50% off everything {emo}",
            "Ordered a jacket online three weeks ago, still not here",
            "Why is everything so expensive at the supermarket lately",
        ),
        (
            "Hafta sonu büyük indirim var, her şey yarı fiyatına {emo}",
            "İnternetten sipariş verdim, üç haftadır kargo gelmedi",
            "Market fiyatları her hafta artıyor, nereye kadar?",
        ),
        ("Shoppers hunt for bargains as spring sales begin",),
        ("Bahar indirimleri başladı, mağazalarda yoğunluk",),
    ),
    _topic(
        "phones",
        (
            "New phone update drained my battery in four hours. Great job.",
            "Is the {phone} worth it or should I wait for next year? {emo}",
            "My laptop fan sounds like a jet engine after the update",
        ),
        (
            "Telefon güncellemesinden sonra şarj dört saatte bitiyor, harika.",
            "{phone} alınır mı yoksa seneyi mi beklemeli? {emo}",
        ),
        ("Review: is the {phone} worth the upgrade?",),
        ("{phone} incelemesi",),
        {"phone": ("iPhone 14", "Galaxy S23", "Pixel 7", "Xiaomi 13")},
    ),
    _topic(
        "pets",
        (
            "My cat knocked my coffee off the table again and looked me in the eye {emo}",
            "Adopted a rescue dog today, meet Biscuit! 🐶",
        ),
        (
            "Kedim yine kahvemi masadan düşürdü ve gözümün içine baktı {emo}",
            "Sokaktan bir köpek sahiplendim, adı Pamuk! 🐶",
        ),
        ("Shelters report record number of spring adoptions",),
        ("Barınaklarda sahiplenme kampanyası",),
    ),
    _topic(
        "series",
        (
            "Just finished the new season of {series}, that ending!!",
            "No spoilers please, still on episode 3 of {series} {emo}",
        ),
        (
            "{series} yeni sezonunu bitirdim, o final neydi öyle!",
            "Spoiler vermeyin, daha üçüncü bölümdeyim {emo}",
        ),
        ("{series} finale leaves fans divided",),
        ("{series} finali izleyiciyi ikiye böldü",),
        {
            "series": (
                "The Last of Us",
                "Succession",
                "Yargı",
                "Kızılcık Şerbeti",
                "The Mandalorian",
            )
        },
    ),
    _topic(
        "music",
        (
            "Concert last night was incredible, my voice is gone",
            "Playlist recommendations for a long drive? 🎶",
        ),
        (
            "Dün akşamki konser muhteşemdi, sesim kısıldı",
            "Uzun yol için şarkı önerisi olan var mı? 🎶",
        ),
        ("Summer festival line-up announced",),
        ("Yaz festivali programı açıklandı",),
    ),
    _topic(
        "travel",
        (
            "Booked a last-minute trip to {dest}, any tips?",
            "Flight delayed for three hours, airport coffee is my life now {emo}",
        ),
        (
            "Son dakika {dest_tr} tatili ayarladım, önerisi olan?",
            "Uçak üç saat rötar yaptı, havalimanında yaşıyorum artık {emo}",
        ),
        ("Where to travel this summer on a budget",),
        ("Bu yaz uygun fiyatlı tatil rotaları",),
        {
            "dest": ("Cappadocia", "Lisbon", "Bodrum", "Rome", "Batumi"),
            "dest_tr": ("Kapadokya", "Bodrum", "Kaş", "Roma", "Batum"),
        },
    ),
    _topic(
        "fitness",
        (
            "Day 30 of running every morning. Legs hate me.",
            "Gym was packed today, waited 20 minutes for a bench",
        ),
        (
            "Her sabah koşunun 30. günü, bacaklarım benden nefret ediyor",
            "Spor salonu bugün tıklım tıklımdı, 20 dakika sıra bekledim",
        ),
        ("Five stretches to do before your morning run",),
        ("Sabah koşusundan önce yapılacak beş esneme hareketi",),
    ),
    _topic(
        "mornings",
        ("Third coffee and it's not even 10am ☕", "Monday mood: need coffee, sleep, vacation"),
        (
            "Saat daha 10 olmadı, üçüncü kahvemi içiyorum ☕",
            "Pazartesi sendromu: kahve, uyku, tatil lazım",
        ),
        ("How much coffee is too much?",),
        ("Günde kaç fincan kahve içilmeli?",),
    ),
    _topic(
        "exams",
        (
            "Finals week. I have read the same page six times.",
            "Who else is studying all night for tomorrow's exam? {emo}",
        ),
        ("YKS'ye 40 gün kaldı, stres tavan", "Yarınki sınav için sabahlayan başka kim var? {emo}"),
        ("Exam season: tips to manage stress",),
        ("Sınav stresiyle başa çıkmanın yolları",),
    ),
    _topic(
        "markets",
        (
            "Bitcoin up 5% today, here we go again 🚀",
            "Gold hit a new record, my grandma was right all along",
        ),
        (
            "Bitcoin bugün yüzde 5 yükseldi, yine başlıyoruz 🚀",
            "Gram altın yeni rekor kırdı, anneannem haklıymış",
        ),
        ("Gold climbs to record high",),
        ("Altın fiyatları rekor tazeledi",),
    ),
    _topic(
        "gaming",
        (
            "Finally beat the final boss after 40 tries {emo}",
            "New {game} patch is out, servers already down lol",
        ),
        (
            "40 denemeden sonra final bossu sonunda yendim {emo}",
            "{game} yeni yaması çıktı, sunucular şimdiden çöktü",
        ),
        ("{game} update brings new maps and fixes",),
        ("{game} güncellemesi yayınlandı",),
        {"game": ("Zelda", "Valorant", "FIFA 23", "Diablo IV", "Minecraft")},
    ),
    _topic(
        "garden",
        (
            "First tomatoes of the season on my balcony 🍅",
            "Planted basil and mint today, wish me luck",
        ),
        ("Balkonda ilk domatesler çıktı 🍅", "Bugün fesleğen ve nane ektim, bakalım tutacak mı"),
        ("Balcony gardening for beginners",),
        ("Balkonda sebze yetiştirmenin püf noktaları",),
    ),
    _topic(
        "family",
        (
            "My cousin's wedding is this weekend and I still have nothing to wear",
            "Family dinner turned into a three-hour debate about the best baklava",
        ),
        (
            "Kuzenimin düğünü bu hafta sonu, giyecek hiçbir şeyim yok",
            "Aile yemeği en iyi baklava tartışmasına döndü, üç saat sürdü",
        ),
        ("Wedding season costs soar",),
        ("Düğün sezonu masrafları cep yakıyor",),
    ),
    _topic(
        "books",
        ("Just finished {book}, couldn't put it down", "Reading goal: 30 books this year. At 7."),
        (
            "{book} kitabını bitirdim, elimden bırakamadım",
            "Bu yıl 30 kitap hedefim var, şu an 7'deyim",
        ),
        ("The novels everyone is reading this spring",),
        ("Baharın en çok okunan romanları",),
        {"book": ("Kürk Mantolu Madonna", "Dune", "Tutunamayanlar", "The Midnight Library")},
    ),
    _topic(
        "cars",
        (
            "Car made a weird noise on the highway, mechanic wants 2000 lira to look at it",
            "Used car prices are absolutely insane right now",
        ),
        (
            "İkinci el araba fiyatları çıldırmış durumda",
            "Araba otoyolda garip bir ses çıkardı, usta 2000 lira istedi",
        ),
        ("Used car prices keep rising",),
        ("İkinci el otomobil fiyatları yükselmeye devam ediyor",),
    ),
    _topic(
        "work",
        (
            "Meeting that could have been an email, part 47",
            "Boss wants the report by 5pm. It's 4:45. {emo}",
        ),
        (
            "Mail olabilecek bir toplantı daha, 47. bölüm",
            "Patron raporu saat 5'e istiyor, saat 4:45 {emo}",
        ),
        ("Remote work: what employees want",),
        ("Uzaktan çalışmada yeni dönem",),
    ),
    _topic(
        "sky",
        (
            "The moon looks huge tonight, anyone else see it? 🌕",
            "New telescope images just dropped, absolutely stunning",
        ),
        (
            "Bu gece ay kocaman görünüyor, gören var mı? 🌕",
            "Teleskoptan gelen yeni görüntüler muazzam",
        ),
        ("New space telescope images reveal distant galaxies",),
        ("Uzay teleskobundan yeni görüntüler",),
    ),
    _topic(
        "festival",
        (
            "Tulip festival in the park this weekend, the colours are amazing 🌷",
            "Street food festival downtown, I have eaten far too much",
        ),
        (
            "Emirgan'da lale festivali başladı, renkler harika 🌷",
            "Sokak lezzetleri festivalinde fazla yedim, yürüyemiyorum",
        ),
        ("Tulip festival draws crowds",),
        ("Lale festivaline yoğun ilgi",),
    ),
)

_NOISE_SLOTS: dict[str, tuple[str, ...]] = {
    "city": _SHARED_SLOTS["city"],
    "city_tr": _SHARED_SLOTS["city_tr"],
    "emo": ("😂", "😅", "🙃", "❤️", "😍", "🤷", "😴", "", "", ""),
}
_NOISE_TAGS: dict[str, tuple[str, ...]] = {
    "en": ("#MondayMood", "#weekend", "#life", "#random", "#mood"),
    "tr": ("#pazartesi", "#haftasonu", "#günaydın", "#hayat"),
}

# --------------------------------------------------------------------------------------------
# Sources, authors and page junk.
# --------------------------------------------------------------------------------------------

_PLATFORMS = ("twitter", "facebook", "telegram", "instagram")
_PLATFORM_WEIGHTS = (0.6, 0.15, 0.15, 0.1)
_SITES: dict[str, tuple[str, ...]] = {
    "en": (
        "dailynews.example",
        "worldwire.example",
        "eurasia-report.example",
        "capitalpost.example",
        "bosphorus-times.example",
    ),
    "tr": (
        "gundemhaber.example",
        "sonhaber.example",
        "ekspres.example",
        "haberhatti.example",
        "kenthaber.example",
    ),
}
_SECTIONS: dict[str, tuple[str, ...]] = {
    "en": ("politics", "world", "europe", "news"),
    "tr": ("gundem", "siyaset", "dunya", "haber"),
}
_NOISE_SECTIONS: dict[str, tuple[str, ...]] = {
    "en": ("lifestyle", "sport", "tech", "culture"),
    "tr": ("yasam", "spor", "teknoloji", "kultur-sanat"),
}
_REPORTERS: dict[str, tuple[str, ...]] = {
    "en": (
        "Laura Bennett",
        "James O'Neill",
        "Priya Raman",
        "Tom Whitaker",
        "Staff Reporter",
        "Wire Services",
    ),
    "tr": (
        "Ayşe Demir",
        "Mehmet Öztürk",
        "Zeynep Çelik",
        "Emre Şahin",
        "Haber Merkezi",
        "Gülşen Yıldırım",
    ),
}
_HANDLE_PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        (
            "news",
            "daily",
            "real",
            "the",
            "truth",
            "just",
            "citizen",
            "voter",
            "watch",
            "info",
            "global",
            "sarah",
            "mike",
            "anna",
            "dan",
            "kate",
        ),
        (
            "bob",
            "lens",
            "eye",
            "talk",
            "desk",
            "report",
            "fan",
            "guy",
            "girl",
            "wire",
            "hub",
            "takes",
            "insider",
        ),
    ),
    "tr": (
        (
            "ayse",
            "mehmet",
            "fatma",
            "ali",
            "zeynep",
            "emre",
            "elif",
            "burak",
            "deniz",
            "can",
            "selin",
            "hakan",
            "yurttas",
            "vatandas",
        ),
        (
            "yilmaz",
            "kaya",
            "demir",
            "celik",
            "sahin",
            "ozturk",
            "aydin",
            "arslan",
            "dogan",
            "kilic",
            "haber",
            "gundem",
        ),
    ),
}
_JUNK: dict[str, tuple[str, ...]] = {
    "en": (
        "Advertisement",
        "Share this article",
        "Read more: {title}",
        "We use cookies to improve your experience. Accept all cookies",
        "Follow us on Twitter",
        "Sign up for our daily newsletter",
        "Image: Getty Images",
        "Related articles",
        '<div class="ad-slot"></div>',
    ),
    "tr": (
        "Reklam",
        "Paylaş",
        "Devamını oku: {title}",
        "Çerezleri kullanıyoruz. Sitemizi kullanarak çerez politikamızı kabul etmiş olursunuz.",
        "İlgili Haberler",
        "Bizi takip edin",
        "Abone ol",
        "Fotoğraf: AA",
        '<div class="reklam-alani"></div>',
    ),
}
_QUOTE_INTRO: dict[str, tuple[str, ...]] = {
    "en": ("In a post in Turkish, one user wrote:", "A widely shared Turkish post read:"),
    "tr": (
        "Bir İngilizce paylaşımda şu ifadeler yer aldı:",
        "Yabancı basında da yankı uyandıran paylaşımda şöyle denildi:",
    ),
}
_ASCII = str.maketrans("çğıİöşüÇĞÖŞÜâîû", "cgiiosucgosuaiu")
_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_REPOST_EDITS_EN = ("!!", " 👇", " 😱", " This.", " Read this.", "")
_REPOST_EDITS_TR = ("!!", " 👇", " 😱", " Bakın.", " Okuyun.", "")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÇĞİÖŞÜ\"'])")
_POST_LIMIT = 280
_OPENERS: dict[str, tuple[str, ...]] = {
    "en": (
        "Just saw this:",
        "ICYMI:",
        "Reports say:",
        "Wait, what?",
        "Read this 👇",
        "Everyone is talking about it:",
        "Not sure if true, but:",
        "Thread 🧵",
        "Latest:",
        "Hmm.",
    ),
    "tr": (
        "Şuna bakın:",
        "Gündem:",
        "Haberlere göre:",
        "Doğru mu bu?",
        "Okuyun 👇",
        "Herkes bunu konuşuyor:",
        "Emin değilim ama:",
        "Flood 🧵",
        "Son durum:",
        "Hmm.",
    ),
}
# Words people swap when they retell a claim: each match is swapped with probability one half.
# Keys are matched as whole words and may carry a lookahead ("election" but not the "election
# board"); Turkish keys are whole words only (a case suffix after an apostrophe stays correct).
_PARAPHRASES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "en": (
        ("fake", ("fabricated", "bogus", "doctored", "phony")),
        ("fabricated", ("fake", "made-up", "forged")),
        ("videos", ("clips", "footage", "recordings")),
        ("video", ("clip", "footage", "recording")),
        ("clips", ("videos", "footage")),
        ("tape", ("recording", "video")),
        ("accuses", ("blames",)),
        ("says", ("claims", "insists", "said")),
        ("claims", ("says", "alleges")),
        ("denies", ("rejects", "dismisses")),
        ("Moscow", ("Russia",)),
        ("Russia", ("Moscow",)),
        ("election(?! board)", ("vote",)),
        ("huge", ("massive", "big")),
        ("evidence", ("proof",)),
        ("quits", ("leaves", "exits")),
        ("poll", ("survey",)),
        ("tight", ("close",)),
        ("viral", ("widely shared", "trending")),
        ("officials", ("poll workers", "election staff")),
        ("online", ("on social media", "everywhere online")),
        ("edited", ("altered", "manipulated")),
        ("still", ("even now",)),
        ("families", ("people", "households")),
    ),
    "tr": (
        ("sahte", ("uydurma", "düzmece")),
        ("montaj", ("kurgu", "sahte")),
        ("video", ("görüntü",)),
        ("Rusya", ("Moskova",)),
        ("söyledi", ("dedi", "açıkladı")),
        ("açıkladı", ("duyurdu",)),
        ("reddetti", ("yalanladı",)),
        ("anket", ("kamuoyu araştırması",)),
        ("kayıtlar", ("kasetler",)),
        ("hâlâ", ("halen", "hala")),
        ("çok", ("gerçekten", "fazlasıyla")),
        ("aileler", ("depremzedeler", "insanlar")),
    ),
}
_PARAPHRASE_RES: dict[str, tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]] = {
    lang: tuple((re.compile(rf"(?<!\w){key}(?!\w)"), alts) for key, alts in table)
    for lang, table in _PARAPHRASES.items()
}
_HEDGE = re.compile(r"(?<!\w)(says|claims|accuses|blames|denies|admits|warns|showed|has)(?!\w)")
_HEDGES = ("reportedly", "apparently", "now", "openly")
_SHARE_COMMENTS: dict[str, tuple[str, ...]] = {
    "en": ("", "", "Worth reading.", "Here we go again.", "As expected.", "Read the whole thing."),
    "tr": ("", "", "Okumaya değer.", "Yine başladık.", "Beklendiği gibi.", "Mutlaka okuyun."),
}


# --------------------------------------------------------------------------------------------
# Helpers.
# --------------------------------------------------------------------------------------------


def _fill(
    rng: random.Random, template: str, slots: Slots, chosen: dict[str, str] | None = None
) -> str:
    """Fill ``{slot}`` placeholders from the narrative's slots, falling back to shared ones.

    ``chosen`` keeps one value per slot across calls, so a post joined from two wordings
    names one city, not two.
    """

    def pick(match: re.Match[str]) -> str:
        name = match.group(1)
        if chosen is not None and name in chosen:
            return chosen[name]
        value = rng.choice(slots.get(name) or _SHARED_SLOTS[name])
        if chosen is not None:
            chosen[name] = value
        return value

    text = " ".join(_SLOT.sub(pick, template).split())
    # A slot filler such as "opposition candidate ..." may open the sentence.
    if text[:1].islower():
        text = text[0].upper() + text[1:]
    return text


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Largest-remainder split of ``total`` by ``weights``: exact and deterministic."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _stamp(base: datetime, offset: int) -> str:
    return (base + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _night_weight(base: datetime, offset: int) -> float:
    """Acceptance weight for a time: people post less between 01:00 and 07:00 Turkish time."""
    hour = (base + timedelta(seconds=offset)).astimezone(_TURKEY).hour
    return 0.3 if 1 <= hour < 7 else 1.0


def _handles(rng: random.Random, lang: str, count: int) -> list[str]:
    first, second = _HANDLE_PARTS[lang]
    out: list[str] = []
    for _ in range(count):
        handle = rng.choice(first) + rng.choice(("", "_", "")) + rng.choice(second)
        if rng.random() < 0.6:
            handle += str(rng.randrange(1, 9999))
        out.append("@" + handle)
    return out


def _short_url(rng: random.Random) -> str:
    return "https://t.co/" + "".join(rng.choice(_ALNUM) for _ in range(10))


def _slug(text: str) -> str:
    ascii_text = text.translate(_ASCII).lower()
    return _SLUG_STRIP.sub("-", ascii_text).strip("-")[:80].rstrip("-")


def _date_words(base: datetime, offset: int) -> str:
    """Date as embedded-tweet signatures print it, independent of the machine's locale."""
    when = base + timedelta(seconds=offset)
    return f"{_MONTHS[when.month - 1]} {when.day}, {when.year}"


class _Generator:
    """Holds the seeded random source and the author pools for one call of generate_sample."""

    def __init__(self, rng: random.Random, base: datetime, span: int) -> None:
        self.rng = rng
        self.base = base
        self.span = span
        self.handles = {"en": _handles(rng, "en", 320), "tr": _handles(rng, "tr", 220)}
        self.seq = 0

    # -- time ------------------------------------------------------------------------------

    def _time(self, lo: float, hi: float, shape: tuple[float, float] | None) -> int:
        """A time in the window, burst-shaped (beta) or flat, thinned at night (bounded retries)."""
        offset = 0
        for _ in range(8):
            u = self.rng.betavariate(*shape) if shape else self.rng.random()
            offset = min(int((lo + (hi - lo) * u) * self.span), self.span - 1)
            if self.rng.random() < _night_weight(self.base, offset):
                break
        return offset

    def _draft(self, offset: int, kind: str, fields: dict[str, object]) -> _Draft:
        self.seq += 1
        return _Draft(offset, self.seq, kind, fields)

    # -- posts -----------------------------------------------------------------------------

    def _decorate(
        self, text: str, lang: str, tags: Sequence[str], tag_p: float, *, linked: bool = False
    ) -> str:
        """Add what real posts carry: reply mentions, hashtags, links (one, if not ``linked``)."""
        rng = self.rng
        if rng.random() < 0.08:
            text = f"{rng.choice(self.handles[lang])} {text}"
        if rng.random() < tag_p:
            picked = rng.sample(list(tags), k=min(len(tags), rng.choice((1, 1, 2))))
            text = f"{text} {' '.join(picked)}"
        if rng.random() < 0.25 and not linked:
            text = f"{text} {_short_url(rng)}"
        return text

    def _post(
        self, offset: int, text: str, lang: str, label: str | None, author: str | None = None
    ) -> _Draft:
        rng = self.rng
        return self._draft(
            offset,
            "post",
            {
                "text": text,
                "source": rng.choices(_PLATFORMS, weights=_PLATFORM_WEIGHTS)[0],
                "author": author or rng.choice(self.handles[lang]),
                "lang": lang,
                "label": label,
            },
        )

    def _compose(self, story: _Narrative, lang: str) -> tuple[str, bool]:
        """An original post about ``story``, worded the way a crowd words one claim.

        Why not one template per post: people retell a claim in their own words, so its posts
        form one continuous cloud, not a few tight copies of a handful of phrasings. Drawing
        whole templates made every template a dense island of its own, and the demo then
        showed one narrative per phrasing. Here a post may share a headline, or join a
        sentence of one wording to a sentence of another; then it swaps words as another
        person would (`_paraphrase`), may open with a phrase of its own and may be cut short as
        a cross-post. The draws stay on the one seeded source, so the stream is still
        byte-stable. Returns the text and whether it already carries a link.
        """
        rng = self.rng
        draw = rng.random()
        if draw < 0.15:  # a shared headline, as people post links to coverage
            title = _fill(rng, rng.choice(story.titles[lang]), story.slots)
            comment = rng.choice(_SHARE_COMMENTS[lang])
            return f"{comment} {title} {_short_url(rng)}".strip(), True
        templates = story.posts[lang]
        picks = rng.sample(range(len(templates)), k=min(2, len(templates)))
        chosen: dict[str, str] = {}
        first = _SENTENCE_END.split(_fill(rng, templates[picks[0]], story.slots, chosen))
        text = " ".join(first)
        if draw < 0.55 and len(picks) == 2:  # one wording's lead, another's follow-up
            second = _SENTENCE_END.split(_fill(rng, templates[picks[1]], story.slots, chosen))
            lead = f"{first[0]}." if first[0][-1:].isalnum() else first[0]
            joined = f"{lead} {' '.join(second[1:] or second)}"
            if len(joined) <= _POST_LIMIT:
                text = joined
        text = self._paraphrase(text, lang)
        if rng.random() < 0.3:
            text = f"{rng.choice(_OPENERS[lang])} {text}"
        if rng.random() < 0.08:  # cross-posted and cut at the other network's limit
            words = text.split()
            if len(words) > 10:
                text = " ".join(words[: rng.randrange(len(words) * 6 // 10, len(words))]) + "…"
        return text, False

    def _paraphrase(self, text: str, lang: str) -> str:
        """Swap words for the ones another person would use, each with probability one half."""
        rng = self.rng

        def swap(alts: tuple[str, ...]) -> Callable[[re.Match[str]], str]:
            return lambda m: rng.choice(alts) if rng.random() < 0.5 else m.group(0)

        for pattern, alts in _PARAPHRASE_RES[lang]:
            text = pattern.sub(swap(alts), text)
        if lang == "en" and rng.random() < 0.2:  # "X reportedly says ..."
            text = _HEDGE.sub(lambda m: f"{rng.choice(_HEDGES)} {m.group(0)}", text, count=1)
        return text

    def _repost(self, offset: int, original: _Draft, amplifiers: Sequence[str]) -> _Draft:
        """A near-duplicate: "RT @x: ..." or a copy-paste with a small edit, by a loud account."""
        rng = self.rng
        lang = str(original.fields["lang"])
        text = str(original.fields["text"])
        edits = _REPOST_EDITS_TR if lang == "tr" else _REPOST_EDITS_EN
        if rng.random() < 0.4:  # links are re-shortened or dropped when copied
            text = re.sub(r"\s*https://t\.co/\w+", "", text)
        text = text + rng.choice(edits)
        if rng.random() < 0.7:
            text = f"RT {original.fields['author']}: {text}"
        author = rng.choice(amplifiers) if rng.random() < 0.6 else rng.choice(self.handles[lang])
        label = original.fields["label"]
        draft = self._post(offset, text, lang, label if isinstance(label, str) else None, author)
        draft.fields["source"] = original.fields["source"]
        return draft

    # -- articles --------------------------------------------------------------------------

    def _article(
        self,
        offset: int,
        lang: str,
        label: str | None,
        title: str,
        sentences: list[str],
        related: Sequence[str],
        section: str,
    ) -> _Draft:
        """Assemble an article the way crawlers deliver it: paragraphs plus page furniture."""
        rng = self.rng
        paragraphs = list(sentences)
        if rng.random() < 0.2:
            for i, para in enumerate(paragraphs):
                if rng.random() < 0.5:
                    paragraphs[i] = (
                        f"<p>{para}</p>" if rng.random() < 0.7 else (f"<strong>{para}</strong>")
                    )
        if rng.random() < 0.6:
            for _ in range(rng.choice((1, 1, 2, 3))):
                junk = rng.choice(_JUNK[lang]).replace("{title}", rng.choice(related))
                paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), junk)
        site = rng.choice(_SITES[lang])
        when = self.base + timedelta(seconds=offset)
        url = (
            f"https://{site}/{when:%Y/%m/%d}/{section}/{_slug(title)}-"
            f"{rng.randrange(100000, 999999)}"
        )
        return self._draft(
            offset,
            "article",
            {
                "title": title,
                "body": "\n\n".join(paragraphs),
                "source": site,
                "url": url,
                "author": rng.choice(_REPORTERS[lang]),
                "lang": lang,
                "label": label,
            },
        )

    def _embedded_tweet(self, offset: int, narrative: _Narrative, lang: str) -> str:
        """A pasted tweet with its signature line, often in the other language."""
        rng = self.rng
        text = _fill(rng, rng.choice(narrative.posts[lang]), narrative.slots)
        name, handle = rng.choice(narrative.voices)
        # Tweets are embedded some time before the article is published.
        earlier = max(0, offset - rng.randrange(0, 6 * 3600))
        return f"{text}\n— {name} (@{handle}) {_date_words(self.base, earlier)}"

    # -- whole stories ---------------------------------------------------------------------

    def narrative(self, story: _Narrative, count: int) -> list[_Draft]:
        """``count`` records of one story: originals in a burst, then reposts of viral ones."""
        rng = self.rng
        lo, hi = story.window
        n_reposts = round(count * _REPOST_SHARE)
        article_p = min(1.0, _ARTICLE_SHARE / (1.0 - _REPOST_SHARE))
        amplifiers = [h for lang in ("en", "tr") for h in _handles(rng, lang, 3)]
        originals: list[_Draft] = []
        for _ in range(count - n_reposts):
            offset = self._time(lo, hi, story.shape)
            lang = "tr" if rng.random() < story.tr_share else "en"
            if rng.random() < article_p:
                originals.append(self._story_article(offset, story, lang))
            else:
                text, linked = self._compose(story, lang)
                text = self._decorate(text, lang, story.hashtags[lang], 0.55, linked=linked)
                originals.append(self._post(offset, text, lang, story.key))
        posts = sorted((d for d in originals if d.kind == "post"), key=lambda d: (d.offset, d.seq))
        viral = posts[:: max(1, round(1 / _VIRAL_SHARE))]
        out = list(originals)
        for _ in range(n_reposts):
            if not viral:  # too few records for amplification: fall back to an original post
                offset = self._time(lo, hi, story.shape)
                text = _fill(rng, rng.choice(story.posts["en"]), story.slots)
                out.append(self._post(offset, text, "en", story.key))
                continue
            source = rng.choice(viral)
            delay = int(rng.expovariate(1 / 2400))  # minutes to a few hours after the original
            offset = source.offset + min(delay, self.span - 1 - source.offset)
            out.append(self._repost(offset, source, amplifiers))
        return out

    def _story_article(self, offset: int, story: _Narrative, lang: str) -> _Draft:
        rng = self.rng
        lead, *rest = story.sentences[lang]
        picked = rng.sample(rest, k=min(len(rest), rng.randint(2, 4)))
        # Most reports open with the news lead; rewrites and follow-ups shuffle it in.
        if rng.random() < 0.7:
            body = [lead, *picked]
        else:
            body = list(picked)
            body.insert(rng.randrange(0, len(body) + 1), lead)
        if rng.random() < 0.5:
            body.insert(rng.randrange(1, len(body) + 1), rng.choice(_CONTEXT[lang]))
        if rng.random() < 0.15:  # mixed-language quote, as bilingual coverage does
            other = "en" if lang == "tr" else "tr"
            quote = _fill(rng, rng.choice(story.posts[other]), story.slots)
            body.append(f"{rng.choice(_QUOTE_INTRO[lang])} “{quote}”")
        if rng.random() < 0.25:
            tweet_lang = lang if rng.random() < 0.6 else ("en" if lang == "tr" else "tr")
            body.insert(
                rng.randrange(1, len(body) + 1), self._embedded_tweet(offset, story, tweet_lang)
            )
        title = _fill(rng, rng.choice(story.titles[lang]), story.slots)
        related = [t for t in story.titles[lang] if t != title] or list(story.titles[lang])
        return self._article(
            offset, lang, story.key, title, body, related, rng.choice(_SECTIONS[lang])
        )

    def noise(self, count: int) -> list[_Draft]:
        """Unlabelled chatter spread thinly over many topics and the whole span."""
        rng = self.rng
        out: list[_Draft] = []
        for _ in range(count):
            topic = rng.choice(_TOPICS)
            slots: dict[str, Sequence[str]] = {**_NOISE_SLOTS, **topic.slots}
            lang = "tr" if rng.random() < 0.35 else "en"
            offset = self._time(0.0, 1.0, None)
            if rng.random() < _ARTICLE_SHARE:
                title = _fill(rng, rng.choice(topic.titles[lang]), slots)
                lines = [
                    _fill(rng, t, slots)
                    for t in rng.sample(list(topic.posts[lang]), k=len(topic.posts[lang]))
                ]
                related = [
                    _fill(rng, rng.choice(other.titles[lang]), {**_NOISE_SLOTS, **other.slots})
                    for other in rng.sample(_TOPICS, k=2)
                ]
                out.append(
                    self._article(
                        offset, lang, None, title, lines, related, rng.choice(_NOISE_SECTIONS[lang])
                    )
                )
            else:
                text = _fill(rng, rng.choice(topic.posts[lang]), slots)
                text = self._decorate(text, lang, _NOISE_TAGS[lang], 0.2)
                out.append(self._post(offset, text, lang, None))
        return out


def _base_and_span(start: datetime, hours: float) -> tuple[datetime, int]:
    """Whole-second UTC start at or after ``start``, and the span in whole seconds after it.

    Why: stamps are written at second precision, so the base is rounded up to keep every
    stamp inside [start, start + hours).
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    if not hours > 0:
        raise ValueError(f"hours must be positive, got {hours!r}")
    start = start.astimezone(UTC)
    base = start.replace(microsecond=0)
    if base < start:
        base += timedelta(seconds=1)
    span = int(((start + timedelta(hours=hours)) - base).total_seconds())
    if span < 1:
        raise ValueError("the span must contain at least one whole second")
    return base, span


def _record(draft: _Draft, doc_id: str, base: datetime) -> dict[str, object]:
    """The wire record, with a fixed key order so that JSON output is byte-stable."""
    f = draft.fields
    record: dict[str, object] = {"id": doc_id, "kind": draft.kind}
    if draft.kind == "article":
        record["title"] = f["title"]
        record["body"] = f["body"]
    else:
        record["text"] = f["text"]
    record["published_at"] = _stamp(base, draft.offset)
    record["source"] = f["source"]
    if draft.kind == "article":
        record["url"] = f["url"]
    record["author"] = f["author"]
    record["lang"] = f["lang"]
    record["label"] = f["label"]
    return record


def generate_sample(
    n_docs: int = 3000,
    *,
    seed: int = 7,
    start: datetime = SAMPLE_START,
    hours: float = 72.0,
    noise_share: float = 0.25,
) -> list[dict[str, object]]:
    """Return n_docs records sorted by (published_at, id).

    Narrative volume is split by fixed weights after the noise share is set aside, so every
    planted story is present in proportion; ids are numbered in time order per kind
    (``post-000001``, ``art-000001``) so that a sorted stream reads naturally.
    """
    if n_docs < 0:
        raise ValueError(f"n_docs must be >= 0, got {n_docs}")
    if not 0.0 <= noise_share <= 1.0:
        raise ValueError(f"noise_share must be in [0, 1], got {noise_share!r}")
    base, span = _base_and_span(start, hours)
    gen = _Generator(random.Random(seed), base, span)
    n_noise = round(n_docs * noise_share)
    drafts: list[_Draft] = []
    for story, count in zip(
        _NARRATIVES, _split(n_docs - n_noise, [n.weight for n in _NARRATIVES]), strict=True
    ):
        drafts.extend(gen.narrative(story, count))
    drafts.extend(gen.noise(n_noise))
    drafts.sort(key=lambda d: (d.offset, d.seq))
    width = max(6, len(str(n_docs)))
    counters = {"post": 0, "article": 0}
    records: list[dict[str, object]] = []
    for draft in drafts:
        counters[draft.kind] += 1
        prefix = "art" if draft.kind == "article" else "post"
        records.append(_record(draft, f"{prefix}-{counters[draft.kind]:0{width}d}", base))
    records.sort(key=lambda r: (str(r["published_at"]), str(r["id"])))
    return records


def write_sample(path: str | os.PathLike[str], n_docs: int = 3000, *, seed: int = 7) -> int:
    """Write generate_sample(...) as JSON Lines, utf-8; return count.

    One ``json.dumps(record, ensure_ascii=False)`` per line: Turkish stays readable in the file
    and the bytes are identical for identical arguments, so a sample can be diffed or hashed.
    """
    records = generate_sample(n_docs, seed=seed)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False))
            handle.write("\n")
    return len(records)
