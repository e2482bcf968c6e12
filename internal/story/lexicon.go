package story

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// builtinAliases are names that one language writes differently from the
// other, or that have several forms in one language: places and bodies
// whose Russian name is not a letter-by-letter transliteration (Эр-Рияд,
// Госдеп, ДСНВ), acronyms, and metonyms (Смоленская площадь for the
// Russian foreign ministry). Names that transliterate (Лавров, Роснефть)
// need no entry; Key matches them. Each line is one group; the topics
// file adds groups with "aliases:".
var builtinAliases = parseAliasTable(`
США = US = USA = United States = Соединенные Штаты = Америка = America = American = Americans = американский = американская = американские = американец = американцы = американцев = американке = американка = американку
Россия = Russia = Russian = Russians = РФ = Russian Federation = российский = российская = российские = россиянин = россиянина = россияне = россиян = россиянку
Москва = Moscow
Вашингтон = Washington
Кремль = Kremlin
Белый дом = White House
Госдеп = Госдепартамент = State Department = Department of State
МИД = Foreign Ministry = Ministry of Foreign Affairs = Смоленская площадь = внешнеполитическое ведомство
Минфин США = Министерство финансов США = US Treasury = Treasury = Treasury Department = OFAC
Минюст США = Justice Department = Department of Justice
Минторг США = Министерство торговли США = Commerce Department = Department of Commerce = US Commerce = Bureau of Industry and Security
Пентагон = Pentagon
ВМС США = US Navy = Navy
ВМФ = ВМФ России = Russian Navy
Береговая охрана = Береговая охрана США = Coast Guard = US Coast Guard
Пограничники = пограничная служба = погранслужба = Border Service = border guards
ОКНШ = Объединенный комитет начальников штабов = Joint Chiefs = Joint Chiefs of Staff
Конгресс = Congress
Сенат = Senate
Госдума = Государственная дума = Duma = State Duma
Совфед = Совет Федерации = Federation Council
ООН = UN = United Nations
Совбез = СБ ООН = Совет Безопасности = Security Council
Генассамблея = Генеральная Ассамблея = General Assembly
ЦРУ = CIA
ФБР = FBI
ФСБ = FSB
СВР = SVR
ГРУ = GRU
НАТО = NATO
ВТО = WTO = World Trade Organization = Всемирная торговая организация
МАГАТЭ = IAEA = International Atomic Energy Agency
ОБСЕ = OSCE
Интерпол = Interpol
ОЗХО = OPCW
ЮНЕСКО = UNESCO
МОК = IOC = International Olympic Committee
ЕС = EU = European Union = Евросоюз
МКС = ISS = International Space Station
НАСА = NASA
РФПИ = RDIF = Russian Direct Investment Fund = sovereign wealth fund
ДСНВ = New START
ДРСМД = INF Treaty = INF
Эр-Рияд = Riyadh = саудовская столица = Saudi capital
Саудовская Аравия = Saudi Arabia = Saudi = Saudis
ОАЭ = UAE = United Arab Emirates = Emirates = Объединенные Арабские Эмираты = Эмираты
Абу-Даби = Abu Dhabi
Дубай = Dubai
Стамбул = Istanbul
Турция = Turkey = Türkiye
Женева = Geneva
Берн = Bern
Астана = Astana
Алматы = Алма-Ата = Almaty = Alma-Ata
Анкоридж = Anchorage
Аляска = Alaska = аляскинский
Будапешт = Budapest = венгерская столица = Hungarian capital
Венгрия = Hungary
Украина = Ukraine = Ukrainian = украинский
Киев = Kyiv = Kiev
Санкт-Петербург = Петербург = St Petersburg = Saint Petersburg = St. Petersburg
Нью-Йорк = New York
US Open = Открытый чемпионат США
Майами = Miami
Флорида = Florida
Пекин = Beijing
Китай = China = Chinese = китайский
Индия = India = Indian = индийский
Черное море = Black Sea = черноморский
Внуково = Vnukovo
Шереметьево = Sheremetyevo
Роскосмос = Roscosmos
Аэрофлот = Aeroflot
Роснефть = Rosneft
Лукойл = Lukoil
Газпром = Gazprom
Газпромбанк = Gazprombank
Уолтц = Waltz
Уиткофф = Уиткоф = Witkoff
Вэнс = Vance
`)

// placeNames are the cities where the two sides meet, exchange prisoners
// or hold talks, of the alias groups above. A headline that names one
// says where an event happened; two headlines that name different
// cities, neither mentioned in the other report, tell two events (see
// otherHeads). Countries and regions are left out: "talks in Turkey" and
// "talks in Istanbul", "the Alaska summit" and "the summit in Anchorage"
// are one event. So are the two capitals, which stand for the governments.
// A city whose Key is a country's needs its alias here to be read as a
// place: Bern's key is Bahrain's (regionKeys).
var placeNames = []string{
	"Эр-Рияд", "Абу-Даби", "Дубай", "Стамбул", "Женева", "Анкоридж", "Будапешт", "Киев",
	"Санкт-Петербург", "Нью-Йорк", "Майами", "Пекин", "Внуково", "Шереметьево", "Берн", "Астана", "Алматы",
}

// monthWords are the months, as a headline writes them before or after a
// day: «23 сентября», "Sept. 23", "23 September" (dayAhead). English
// "May" is left out: "Kremlin may 5…" would be a date.
var monthWords = map[string]time.Month{
	"января": time.January, "февраля": time.February, "марта": time.March, "апреля": time.April,
	"мая": time.May, "июня": time.June, "июля": time.July, "августа": time.August,
	"сентября": time.September, "октября": time.October, "ноября": time.November, "декабря": time.December,
	"january": time.January, "jan": time.January, "february": time.February, "feb": time.February,
	"march": time.March, "mar": time.March, "april": time.April, "apr": time.April,
	"june": time.June, "jun": time.June, "july": time.July, "jul": time.July,
	"august": time.August, "aug": time.August, "september": time.September, "sept": time.September, "sep": time.September,
	"october": time.October, "oct": time.October, "november": time.November, "nov": time.November,
	"december": time.December, "dec": time.December,
}

// seaNames are the seas and the ocean where the two sides' ships and
// aircraft meet, a line each, in both languages: "over the Barents Sea"
// and «над Баренцевым морем». Key does not meet them: the Russian
// adjective keeps its -ев-, -ов-, -ск-.
var seaNames = parseAliasTable(`
Баренцево море = Barents Sea = Barents = Баренцево
Берингово море = Bering Sea = Берингов пролив = Bering Strait = Bering = Берингово
Охотское море = Sea of Okhotsk = Okhotsk Sea = Okhotsk = Охотское
Японское море = Sea of Japan = Japan Sea
Средиземное море = Mediterranean Sea = Mediterranean = Средиземное = Средиземноморье
Норвежское море = Norwegian Sea
Северное море = North Sea
Карское море = Kara Sea
Чукотское море = Chukchi Sea
Каспийское море = Caspian Sea = Caspian = Каспий
Азовское море = Sea of Azov = Azov Sea = Азовское
Красное море = Red Sea
Тихий океан = Pacific Ocean = Pacific
`)

// sideNames are the two sides and the names that stand for their
// governments, of the alias groups above. Nearly every report of the topic
// names them, so sharing them says little (see params.sideWeight).
var sideNames = []string{"США", "Россия", "Москва", "Вашингтон", "Кремль", "Белый дом"}

// ukraineNames are the alias groups of Ukraine and its capital. The
// topic's talks are so often about Ukraine that naming it says nothing
// of who acted (thirdCountries leaves it out); a headline that opens with
// it tells Ukraine's own act ("Ukraine says no deal on Zaporizhzhia
// without Kyiv as U.S.-Russia talks open", "Ukraine's foreign minister
// asks UN for sea monitors on eve of US-Russia summit"), a third party's
// (thirdParty).
var ukraineNames = []string{"Украина", "Киев"}

// appealWords tell of a call on someone to act: a third country that
// urges the two sides ("China urges U.S. and Russia to keep nuclear test
// moratorium after Nevada experiment", «Китай призвал Россию и США…»)
// acts on its own account, as one that offers its capital does
// (thirdParty).
var appealWords = wordSet(`urge urges urged призвал призвала призвали призывает призывают`)

// goodOfficesPrefixes tell of a mediator's help or of thanks for it: a
// third country a headline names beside one side and such a word
// brokered or hosted the sides' act ("Russia frees American in
// Saudi-brokered swap", «Песков поблагодарил ОАЭ за посредничество в
// обмене с США») rather than acted with that side (thirdPaired).
var goodOfficesPrefixes = []string{"mediat", "broker", "thank", "посредни", "благодар", "поблагодар", "содейств"}

// americanNames are the names of sideNames that stand for the American
// side; the others stand for the Russian.
var americanNames = []string{"США", "Вашингтон", "Белый дом"}

// locatives are the prepositions after which a name says where.
var locatives = map[string]bool{"in": true, "at": true, "в": true, "во": true}

// spatialPrepositions say near, over, under or from where (nearName).
var spatialPrepositions = wordSet(`у над под из через на около возле близ вдоль over off near`)

// regionKeys are the keys of countries, regions and the US states, in
// English and Russian: places at a scale at which reports of one event
// differ ("talks in Qatar", "переговоры в Дохе"), so that a headline
// naming one says no more about where than about the topic (see
// inPlace). By the Key of a name's first word, so that Russian case forms
// meet (в Катаре, в Финляндии); names that start with a word of several
// (New, North, South) are matched by that word, which keeps "in New
// Jersey" from being a place and "in New York" too, unless an alias
// (placeNames) knows it.
var regionKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range parseAliasTable(`
Qatar = Катар
Finland = Финляндия
Austria = Австрия
Switzerland = Швейцария
Norway = Норвегия
Sweden = Швеция
Denmark = Дания
Germany = Германия
France = Франция
Britain = Великобритания = Британия = England = Англия
Italy = Италия
Spain = Испания
Poland = Польша
Netherlands = Нидерланды = Голландия
Belgium = Бельгия
Greece = Греция
Cyprus = Кипр
Estonia = Эстония
Latvia = Латвия
Lithuania = Литва
Moldova = Молдавия = Молдова
Romania = Румыния
Bulgaria = Болгария
Serbia = Сербия
Belarus = Белоруссия = Беларусь
Georgia = Грузия
Armenia = Армения
Azerbaijan = Азербайджан
Kazakhstan = Казахстан
Uzbekistan = Узбекистан
Mongolia = Монголия
Japan = Япония
Korea = Корея
Vietnam = Вьетнам
Pakistan = Пакистан
Afghanistan = Афганистан
Iran = Иран
Iraq = Ирак
Syria = Сирия
Israel = Израиль
Lebanon = Ливан
Jordan = Иордания
Egypt = Египет
Libya = Ливия
Oman = Оман
Kuwait = Кувейт
Bahrain = Бахрейн
Yemen = Йемен
Canada = Канада
Mexico = Мексика
Cuba = Куба
Venezuela = Венесуэла
Brazil = Бразилия
Vatican = Ватикан
Europe = Европа
Asia = Азия
Africa = Африка
Crimea = Крым
Siberia = Сибирь
Urals = Урал
Caucasus = Кавказ
Kamchatka = Камчатка
Arctic = Арктика
Baltic = Балтика
Donbas = Донбасс
Alabama = Алабама
Alaska = Аляска
Arizona = Аризона
Arkansas = Арканзас
California = Калифорния
Colorado = Колорадо
Connecticut = Коннектикут
Delaware = Делавэр
Florida = Флорида
Georgia
Hawaii = Гавайи
Idaho = Айдахо
Illinois = Иллинойс
Indiana = Индиана
Iowa = Айова
Kansas = Канзас
Kentucky = Кентукки
Louisiana = Луизиана
Maine = Мэн
Maryland = Мэриленд
Massachusetts = Массачусетс
Michigan = Мичиган
Minnesota = Миннесота
Mississippi = Миссисипи
Missouri = Миссури
Montana = Монтана
Nebraska = Небраска
Nevada = Невада
New Hampshire = Нью-Гэмпшир
New Jersey = Нью-Джерси
New Mexico = Нью-Мексико
North Carolina = Северная Каролина
North Dakota = Северная Дакота
Ohio = Огайо
Oklahoma = Оклахома
Oregon = Орегон
Pennsylvania = Пенсильвания
Rhode Island = Род-Айленд
South Carolina = Южная Каролина
South Dakota = Южная Дакота
Tennessee = Теннесси
Texas = Техас
Utah = Юта
Vermont = Вермонт
Virginia = Вирджиния
Wisconsin = Висконсин
Wyoming = Вайоминг
`) {
		for _, n := range line {
			if ws := words(n, nil); len(ws) > 0 {
				m[Key(ws[0].lower)] = true
			}
		}
	}
	return m
}()

// personNames are the people of the alias groups above: Russian spells
// them by sound, so Key cannot match them, and like every person a
// headline names they say who (see otherHeads).
var personNames = []string{"Уолтц", "Уиткофф", "Вэнс"}

// bodyNames are the agencies that act on their own account, of the alias
// groups above: a headline that names one says which agency acted, and
// two headlines that name different agencies, neither mentioned in the
// other report, tell two decisions (the Treasury's sanctions and the
// Commerce Department's blacklist of the same week; see otherHeads). The
// ministries and offices that speak on everything (Госдеп, МИД, Кремль,
// Пентагон) are not among them.
var bodyNames = []string{"Минфин США", "Минторг США", "Минюст США", "ФБР", "ФСБ", "ЦРУ", "СВР", "ГРУ", "Роскосмос", "НАСА", "РФПИ", "ВМС США", "ВМФ", "Береговая охрана", "Пограничники", "ОКНШ"}

// speakerNames are the spokespeople of the two governments: the
// Kremlin's, the Russian foreign ministry's, the State Department's and
// the White House's. They speak every day, on several matters a day, so
// their names say who spoke, not what happened (params.speakerWeight).
// Compared by Key, so any spelling and case form counts.
var speakerNames = []string{"Песков", "Захарова", "Брюс", "Пиготт", "Ливитт"}

// voiceNames are the offices the spokespeople speak for. A spokesperson
// of one of them speaks on several matters a day, and two of her
// statements share her name, her office and her capital and little else
// (params.voiceMiss).
var voiceNames = []string{"МИД", "Госдеп", "Кремль", "Белый дом", "Пентагон"}

// concept is a word or phrase of either language that stands for one
// thing: "телефонный разговор", "phone call" and "созвонились" are the
// concept call. Concepts carry meaning across languages where words
// cannot. An action concept also names what kind of event a report tells
// of; see conflict in score.go.
type concept struct {
	id      string
	action  uint32 // this action's bit, 0 for a concept that is no action
	subject uint64 // this subject's bit, 0 for a concept that is no subject
}

// Concept table: "id [action|subject]: form, form, ...". A form is a
// lower-case word, a prefix ending in *, or a phrase of such words. An
// action is what a headline says happened (conflict); a subject is what
// it happened to or about, the goods, assets and fields of a busy day's
// small items (subjectConflict). "Targets" is how the topic's English
// headlines tell sanctions ("US targets Chinese and Kazakh suppliers of
// Russia's drone factory").
var concepts, conceptForms = parseConcepts(`
call action: call, phone*, telephone*, телефон*, звонок, звонка, звонке, звонком, звонку, звонков, звонил*, позвонил*, созвон*, by phone
meeting action: meet, meets, meeting*, met, talks, summit*, visit*, consultation*, negotiat*, встреч*, встрет*, встрети*, переговор*, саммит*, визит*, консультац*, принял, приезжал*, прилетел*, прибыл*, arriv*, round, раунд*, sidelines, полях
session action: совещани*
swap action: swap*, exchang*, freed, frees, free, releas*, обмен*, освобо*, traded
sanctions action: sanction*, blacklist*, designat*, санкц*, sdn, targets, targeted, targeting
entryban action: entry ban, bars entry, barred entry, bans entry, ban list, въезд*, стоп лист*, stop list
expulsion action: expel*, expuls*, persona non grata, нон грата, высыл*, выслал*, высылк*, выслан*, leave russia, hours to leave, diplomats to leave, diplomat to leave, staff to leave, staffer to leave, покинуть россию
court action: sentenc*, convict*, court, jail*, приговор*, осуди*, осужд*, суд, суде, судом
custody action: extends custody, extended custody, extends detention, extended detention, extends arrest, extended arrest, продлил арест, продлила арест, продлили арест, продлен арест, продлении ареста
trial action: trial opens, trial begins, trial began, начался суд, начался процесс, начал рассматривать
arrest action: arrest*, detain*, detention, задерж*, арест*
plea action: pleads guilty, pleaded guilty, plead guilty, pleading guilty, guilty plea, признал вину, признала вину, признали вину, признает вину, признал себя виновным, признала себя виновной, признали себя виновными
charges action: charg*, indict*, обвинени*, обвиня*, предъяв*
response action: in response, in retaliation, retaliat*, tit-for-tat, tit for tat, reciprocal, mirror, в ответ, ответн*, зеркальн*
sale action: sell, sells, selling, sale*, divest*, bids, прода*, покупател*, buyer*
tariff action: tariff*, пошлин*, тариф*, ultimatum*, ультиматум*, deadline*
decree action: decree, decrees, executive order*, указ, указа, указе, указом, указу, указов
proposal action: propos*, offer*, предлож*, pitch*
initiative: инициатив*, initiative*
rejection: not on the agenda, declin*, refus*, rebuff*, отказ*, охладил*, не стоит
oil subject: oil, crude, нефт*, нефтян*, urals, brent
tanker subject: tanker*, танкер*, vessel*, ship*, судн*, флот*, fleet
satellite subject: satellite*, spacecraft, спутник*, orbit*, орбит*, космос*, космическ*, space, iss, мкс, space station, астронавт*, космонавт*, astronaut*, cosmonaut*, roscosmos, роскосмос*, nasa, наса
flights subject: flight*, air link*, airline*, рейс*, авиасообщен*, полет*, перевозчик*, авиакомпан*, carrier*
nuclear subject: nuclear, ядерн*, warhead*, боезаряд*, arsenal*, арсенал*
staff subject: military chiefs, chiefs of staff, генерального штаба, начальник генштаба, начальники генштабов, начальников генштабов
treaty: treaty, treaties, договор*, accord
bill: bill, bills, legislation, законопроект*
vote: vote, votes, voted, voting, голосовани*, проголосова*, resolution*, резолюци*
hotline: hotline*, горяч* лини*
undesirable: undesirable, нежелательн*
foreignagent: foreign agent*, иноагент*, иностранн* агент*
notice: notice, notices, notif*, уведом*
launch: launch, launches, launched, test-fire*, test fire*, пуск, пуска, пуске, пуском, пусков, запуск*
arms: arms control, вооружени*, limits, ceilings, лимит*, ограничени*
embassy: embass*, посольств*, дипмисси*, mission*, diplomatic mission*, staffing
diplomat: diplomat*, дипломат*, attach*, атташе, second secretary, секретар*
property: propert*, дипсобственност*, собственност*, объект*
visa subject: visa*, виз, визы, визам
bank subject: bank, banks, banking, banker*, банк, банка, банке, банку, банком, банки, банков, банкам, банках, банковск*, банкир*
envoy: envoy*, спецпосланник*, посланник*, спецпредставител*, special representative
ambassador: ambassador*, посол, посла, послом, послу, посольск*
minister: foreign minister*, top diplomat*, secretary of state, госсекретар*, глава мид, министр иностранных дел, глав внешнеполитических
president: president*, президент*, лидер*, leader*
aide: aide*, adviser*, advisor*, помощник*, советник*
spokes: spokes*, press secretary, пресс-секретар*, официальный представитель, представител*
ceasefire: ceasefire*, truce, перемири*, прекращени* огня
peace: peace, settlement, мир, мира, урегулировани*, мирн*
energy subject: energy, энерг*, энергетическ*, энергообъект*, infrastructure, инфраструктур*
strikes: strike*, attack*, удар*, атак*
espionage subject: spy*, spying, espionage, шпион*, разведыват*, intelligence, разведк*
hacker subject: hack*, хакер*, взлом*, cyber*, кибер*
smuggling: smuggl*, контрабанд*, export control*, поставк*, вывоз*
electronics subject: microchip*, chip*, electronics, микросхем*, электроник*, components, компонент*
drugs subject: drug*, cannabis, наркотик*, каннабис*
teacher: teacher*, учител*, преподавател*
prisoner: prisoner*, заключенн*, inmate*, penal colony, колони*
citizen: citizen*, гражданин*, гражданк*, граждан
hours: hour*, час, часа, часов, часам, часовой, часовые
days: day, days, дня, дней, сут*
weeks: week*, недел*
months: month*, месяц*
year: year, years, год, года, лет
agreement: agree*, договорил*, договоренност*, соглашени*, deal
constructive: constructive, конструктивн*, productive, продуктивн*, useful, полезн*
sea: sea, maritime, shipping, морск*, судоходств*
grain subject: grain, зерн*
arctic subject: arctic, арктик*, арктическ*
investment: investment*, инвест*, business*, бизнес*, economic, экономическ*
press conference: press conference, пресс-конференц*, reporters, журналист*
interview: interview*, интервью
hostile: hostile, unfriendly, враждебн*, недружествен*
protest: protest*, протест*, note, notes, нот*, summon*, вызвал*, вызван*
list: list, список*, списк*
elections subject: election*, выбор*
anniversary subject: anniversary, годовщин*, юбиле*
veterans subject: veteran*, ветеран*
poultry subject: poultry, chicken*, птиц*, курятин*, мяса птицы
food subject: food, foodstuff*, продовольств*, продукт* питания
fertiliser subject: fertili*, удобрен*
palladium subject: palladium, палладий*, палладия
aluminium subject: aluminium, aluminum, алюмини*
titanium subject: titanium, титан, титана, титаном, титановый, титановые, титановых
nickel subject: nickel, никел*
gold subject: gold, bullion, золото, золота, золоту, золотом, слиток, слитк*
uranium subject: uranium, уран, урана, урану, ураном, enriched, обогащенн*
gas subject: lng, спг, natural gas, gas pipeline*, газа, газу, газом, газовый, газовых, газовые, pipeline*, трубопровод*, газопровод*
aircraft subject: aircraft, airliner*, самолет*, boeing, airbus, spare parts, запчаст*, авиазапчаст*
exercise subject: drill*, exercise*, maneuver*, manoeuvre*, war games, учени*, маневр*
warship subject: warship*, destroyer*, frigate*, submarine*, корабл*, эсминец*, эсминц*, фрегат*, подлодк*, подводн*
warplane subject: bomber*, fighter jet*, jet*, интерсептор*, истребител*, бомбардировщик*, самолет-разведчик*, самолета-разведчика, patrol plane*
drone subject: drone*, беспилотник*, бпла, uav*
fishing subject: fishing, fisher*, fishermen, crab*, рыболов*, рыбак*, рыбн*, краб*, промысл*
medical subject: medical, medicine*, медицин*, лекарств*, hospital*, больниц*, doctor*, врач*
religion subject: religio*, религи*, вероисповедан*, church*, церк*, патриарх*
culture subject: exhibit*, выставк*, concert*, концерт*, museum*, музе*, orchestra*, оркестр*, theatre*, театр*
sport subject: olympic*, олимпи*, sport*, спорт*, hockey, хокке*, chess, шахмат*, tennis, теннис*
remains subject: remains, останк*, missing in action, пропавших без вести
extradition subject: extradit*, экстрадиц*, экстрадир*
airspace subject: airspace, воздушное пространство, воздушного пространства, воздушном пространстве
cyberfraud subject: ransomware, вымогател*, fraud*, мошеннич*, кибермошеннич*
media subject: accreditation*, аккредитац*, newspaper*, газет*, broadcaster*, телеканал*, media, сми
`)

// actionBits returns the action bits of the concepts named by ids.
func actionBits(ids ...string) uint32 {
	var bits uint32
	for _, c := range concepts {
		for _, id := range ids {
			if c.id == id {
				bits |= c.action
			}
		}
	}
	return bits
}

// pleaConcept is the guilty plea's concept, which a negation before it
// undoes: «не признал вину» (fieldPass.concepts).
var pleaConcept = slices.IndexFunc(concepts, func(c concept) bool { return c.id == "plea" })

// negations undo the concept after them (pleaConcept).
var negations = wordSet(`не not`)

// Number words, read as the figures they stand for so that "six hours"
// meets "шесть часов" and "72 hours" meets "72 часа".
var numberWords = func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(`
1: one, один, одна, одну, одного
2: two, два, две, двух, двум, двумя
3: three, три, трех, трем, тремя
4: four, четыре, четырех, четырем
5: five, пять, пяти
6: six, шесть, шести
7: seven, семь, семи
8: eight, восемь, восьми
9: nine, девять, девяти
10: ten, десять, десяти
12: twelve, двенадцать, двенадцати, двенадцатичасовой
14: fourteen, четырнадцать, четырнадцати
20: twenty, двадцать, двадцати
30: thirty, тридцать, тридцати
40: forty, сорок, сорока
50: fifty, пятьдесят, пятидесяти
72: seventy two
100: hundred, one hundred, сто, ста, стопроцентные, стопроцентных
200: two hundred, двести, двухсот
300: three hundred, триста, трехсот
400: four hundred, четыреста, четырехсот
500: five hundred, пятьсот, пятисот
600: six hundred, шестьсот, шестисот
700: seven hundred, семьсот, семисот
800: eight hundred, восемьсот, восьмисот
900: nine hundred, девятьсот, девятисот
1.5: полтора, полторы, полутора, half
2.5: two and a half, двух с половиной
4.5: four and a half, четырех с половиной
mon1: january, январь, января
mon2: february, февраль, февраля
mon3: march, март, марта
mon4: april, апрель, апреля
mon5: май, мая
mon6: june, июнь, июня
mon7: july, июль, июля
mon8: august, август, августа
mon9: september, сентябрь, сентября
mon10: october, октябрь, октября
mon11: november, ноябрь, ноября
mon12: december, декабрь, декабря
ord1: first, первый, первая, первое, первые, первой, первого, первую, первых
ord2: second, второй, второго, второму, второе, вторая, вторую
ord3: third, третий, третьего, третьему, третья, третье, третьей
ord4: fourth, четвертый, четвертого, четвертом, четвертая, четвертый раз
ord5: fifth, пятый, пятого, пятом
ord6: sixth, шестой, шестого, шестом, шестая
`, "\n") {
		id, forms, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, f := range strings.Split(forms, ",") {
			if f = strings.TrimSpace(f); f != "" {
				m[f] = strings.TrimSpace(id)
			}
		}
	}
	return m
}()

// stopWords carry no news: function words of both languages and the
// words every report of the topic uses. They are neither words for
// TF-IDF nor names when capitalised at the start of a sentence.
var stopWords = wordSet(`
		a an the and or but of to in on at for with by from as is are was were be been being it its this that these those
		he she they we you i his her their our them him not no nor so if than then there here also about over after before
		into onto out up down off amid against between during without within under again further once all any both each few
		more most other some such only own same too very can will just should now has have had do does did would could may
		might must shall what which who whom whose why how when where while says said say tells told according new latest
		analysis opinion explainer live update updates report reports week another how what why top big first more
		и в во на с со по к ко о об от до для из за у же ли бы не ни но а или что как так это этот эта эти его ее их она он
		они мы вы я при про под над перед через после без между который которая которые которых которым также уже еще
		еще только все всё всех был была были было будет будут быть сообщил сообщили сообщила заявил заявила заявили
		сказал сказала сказали говорится рассказал рассказала по словам словам данным источник источники источников как
		кто что зачем почему где когда чем чего чем тем том той тот те против более менее около также может могут
		свой своей свои своих его ее их весь вся всё этого этой этом этих которого которой котором
		until could goes going gave give gives take takes make makes made still even though since
	`)

// ruPlaceAdjectiveEndings follow the -ск- of an adjective made from a
// place name (женевский, стамбульских).
var ruPlaceAdjectiveEndings = []string{"ими", "ого", "ому", "ий", "ая", "ое", "ие", "им", "ом", "ой", "ую", "их"}

// ruAdjectiveEndings mark a capitalised first word as an adjective
// ("Телефонная дипломатия"), not a name.
var ruAdjectiveEndings = []string{"ый", "ий", "ой", "ая", "яя", "ое", "ее", "ые", "ие", "ых", "их", "ого", "его", "ому", "ему", "ым", "им", "ыми", "ими", "ую", "юю"}

// parseAliasTable reads lines of names separated by " = ".
func parseAliasTable(s string) [][]string {
	var groups [][]string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var g []string
		for _, n := range strings.Split(line, " = ") {
			if n = strings.TrimSpace(n); n != "" {
				g = append(g, n)
			}
		}
		groups = append(groups, g)
	}
	return groups
}

// conceptForm is one way of writing a concept: a phrase of parts, each an
// exact lower-case word or, ending in *, a prefix.
type conceptForm struct {
	parts   []string
	prefix  []bool
	concept int
}

func parseConcepts(s string) ([]concept, map[string][]conceptForm) {
	var list []concept
	forms := map[string][]conceptForm{} // by the first part without its *
	actions, subjects := 0, 0
	for _, line := range strings.Split(s, "\n") {
		head, body, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(head)
		c := concept{id: f[0]}
		switch {
		case len(f) > 1 && f[1] == "action":
			c.action = 1 << actions
			actions++
		case len(f) > 1 && f[1] == "subject":
			c.subject = 1 << subjects
			subjects++
		}
		list = append(list, c)
		for _, form := range strings.Split(body, ",") {
			form = strings.TrimSpace(form)
			if form == "" {
				continue
			}
			var cf conceptForm
			cf.concept = len(list) - 1
			for _, p := range strings.FieldsFunc(form, func(r rune) bool { return r == ' ' || r == '-' }) {
				pre := strings.HasSuffix(p, "*")
				cf.parts = append(cf.parts, strings.TrimSuffix(p, "*"))
				cf.prefix = append(cf.prefix, pre)
			}
			forms[cf.parts[0]] = append(forms[cf.parts[0]], cf)
		}
	}
	return list, forms
}

// officeTable names the posts that reports give instead of their
// holders' names: "глава МИД России и госсекретарь США" where another
// outlet writes "Lavrov and Rubio". Each line is the names of one post,
// then, after " : ", its holders with the day each took it up, latest
// last; a report is read with the holder of its day. Only posts whose
// name says whose post it is: "the foreign minister" alone may be any
// country's, "помощник президента" alone either president's. Holders
// change, so this table does: docs/digest.md says how to keep it.
var officeTable = `
президент США = американский президент = американский лидер = US President = American President = President of the United States : Байден 2021-01-20, Трамп 2025-01-20
президент России = президент РФ = российский президент = российский лидер = Russian President = Russia's president = President of Russia : Путин 2012-05-07
госсекретарь = глава Госдепа = глава Госдепартамента = глава американской дипломатии = Secretary of State = US top diplomat = top US diplomat = America's top diplomat : Блинкен 2021-01-26, Рубио 2025-01-21
глава МИД России = глава МИД РФ = глава российского МИД = министр иностранных дел России = министр иностранных дел РФ = глава российской дипломатии = Russian Foreign Minister = Russia's foreign minister = Russia's top diplomat = top Russian diplomat : Лавров 2004-03-09
министр финансов США = глава Минфина США = глава американского Минфина = Treasury Secretary = Secretary of the Treasury : Йеллен 2021-01-26, Бессент 2025-01-28
министр обороны США = глава Пентагона = Defense Secretary = Defence Secretary = Secretary of Defense = Secretary of War = War Secretary = Pentagon chief : Остин 2021-01-22, Хегсет 2025-01-25
министр обороны России = министр обороны РФ = глава Минобороны России = глава российского Минобороны = Russian Defence Minister = Russian Defense Minister = Russia's defence minister = Russia's defense minister : Шойгу 2012-11-06, Белоусов 2024-05-14
посол России в США = посол РФ в США = посол России в Вашингтоне = посол РФ в Вашингтоне = российский посол в США = российский посол в Вашингтоне = Russian ambassador to the US = Russian ambassador to the United States = Russia's ambassador to the US = Russia's ambassador to the United States = Russian ambassador in Washington = Russia's ambassador in Washington : Антонов 2017-08-21, Дарчиев 2025-03-06
пресс-секретарь Кремля = пресс-секретарь президента России = пресс-секретарь президента РФ = пресс-секретарь Путина = пресс-секретарь российского лидера = Kremlin spokesman = Kremlin spokesperson = Kremlin press secretary = Putin's spokesman : Песков 2012-05-22
официальный представитель МИД России = официальный представитель МИД РФ = официальный представитель российского МИД = Russian Foreign Ministry spokeswoman = Russian foreign ministry spokesperson : Захарова 2015-08-10
помощник президента России = помощник президента РФ = помощник Путина = помощник российского лидера = Kremlin aide = Putin's aide = Putin aide = Kremlin foreign policy aide = Kremlin foreign policy adviser : Ушаков 2012-05-21
секретарь Совбеза = секретарь Совбеза России = секретарь Совета безопасности России = секретарь Совета безопасности РФ = Russian Security Council secretary = secretary of Russia's Security Council = Security Council secretary : Патрушев 2008-05-12, Шойгу 2024-05-12
глава РФПИ = руководитель РФПИ = гендиректор РФПИ = head of the Russian Direct Investment Fund = head of RDIF = RDIF head = RDIF chief = Russian Direct Investment Fund chief : Дмитриев 2011-06-21
спецпосланник президента США = спецпосланник Трампа = спецпосланник американского лидера = спецпосланник Белого дома = Trump's special envoy = Trump envoy = Trump's envoy = White House envoy = US special envoy : Уиткофф 2025-01-20
`

// kinWords name a relative of someone (params.kinMiss): "Family of
// American jailed in Perm asks why he was left out of exchange",
// "Сестра осужденного американца просит...". Russian nouns by their case
// forms: "семью" is also "seven" in the instrumental ("с семью членами
// экипажа").
var kinWords = wordSet(`
		family families relatives sister sisters brother brothers wife husband mother father son sons
		daughter daughters parents
		семья семьи семье семьей семьям семьями семьях семей родные родных родным родня родни
		родственник родственники родственников родственникам родственниками
		сестра сестры сестре сестру сестрой брат брата брату братом жена жены жене жену женой
		мать матери отец отца отцу сын сына сыну сыном дочь дочери дочерей родители родителей родителям
	`)

// leftOutPrefixes follow «не» in the words that tell of someone left out
// of an exchange (leftOut).
var leftOutPrefixes = []string{"вошел", "вошла", "вошедш", "включен", "включил"}

// isKin reports whether the lower-case word w names a relative.
func isKin(w string) bool { return kinWords[w] }

// drillWords tell of an exercise (params.drillsMiss): "Baltic Fleet
// begins drills", «Тихоокеанский флот начал учения». Maneuvers are left
// out, since "unsafe maneuver" is how an intercept is told; «учени*» as a
// prefix would be a pupil («ученик») too; «тренировка» is the Russian
// military's word for an exercise of its strategic forces, and a unit
// that «отработала» a task practised it in drills, as the fleets' press
// offices tell them («Экипажи МиГ-31 отработали перехват воздушных
// целей», «Корабли … отработали отражение атак»). jointWords make an
// exercise both sides' ("joint rescue drill", «совместные учения»).
var drillWords = wordSet(`
		drill drills exercise exercises wargames
		учение учения учений учению учением учении учениям учениями учениях
		тренировка тренировки тренировке тренировку тренировкой тренировок тренировках
		отработали отработал отработала отработало отрабатывают отрабатывает отработка отработки отработку
	`)

var jointWords = wordSet(`
		joint jointly совместные совместных совместными совместное совместного совместно
	`)

// drillsHeadline reports whether the headline ws tells an exercise that
// is no joint one (params.drillsMiss).
func drillsHeadline(ws []word) bool {
	drills := false
	for i, w := range ws {
		if jointWords[w.lower] {
			return false
		}
		drills = drills || drillWords[w.lower] || w.lower == "games" && i > 0 && ws[i-1].lower == "war"
	}
	return drills
}

// arrivalPrefixes and arrivalWords tell of someone coming home:
// "прилетел во Внуково", "lands at Andrews", "вернулся в Москву", "heads
// home". In a headline of a release or an exchange they tell of the freed
// prisoners' return (homecoming).
var (
	arrivalPrefixes = []string{"прилетел", "прибыл", "вернул", "arriv"}
	arrivalWords    = map[string]bool{"lands": true, "landed": true, "home": true}
)

// isArrival reports whether the lower-case word w tells of coming home.
func isArrival(w string) bool { return arrivalWords[w] || hasAnyPrefix(w, arrivalPrefixes) }

// extensionPrefixes tell of a court extending an arrest (remand):
// "продлил арест", "продлении", "extends custody".
var extensionPrefixes = []string{"продли", "продле", "extend", "extension"}

// isExtension reports whether the lower-case word w tells of extending.
func isExtension(w string) bool { return hasAnyPrefix(w, extensionPrefixes) }

// hasAnyPrefix reports whether w starts with one of prefixes.
func hasAnyPrefix(w string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(w, p) })
}

// thirdCountries are the names of countries other than the two sides
// that the topic's news names most: in English as written, with their
// adjectives ("Swiss foreign minister"), and in Russian as stems of the
// noun that take an ending of up to two letters (Турци-я, Турци-ей;
// "Франциско" is left out by the limit). Russian adjectives are left out:
// "Катарский формат" names where talks were held as often as who acted.
// So is Ukraine, the subject of the topic's talks rather than a third
// party. A headline that names one and neither side tells a third
// party's act (params.thirdMiss).
var thirdCountries = wordSet(`
turkey türkiye turkish турци
saudi saudis арави
uae emirati оаэ эмират
qatar qatari катар
oman omani оман
hungary hungarian венгри
china chinese кита
india indian инди
iran iranian иран
israel israeli израил
switzerland swiss швейцари
finland finnish финлянди
austria austrian австри
norway norwegian норвеги
germany german германи
france french франци
britain british uk британи
poland polish польш
belarus belarusian белорусси беларус
kazakhstan kazakh казахстан
japan japanese япони
korea korean коре
serbia serbian серби
armenia armenian армени
azerbaijan azerbaijani азербайджан
syria syrian сири
egypt egyptian египет египт
venezuela venezuelan венесуэл
cuba cuban
canada canadian канад
mexico mexican мексик
brazil brazilian бразили
vatican ватикан
chile chilean чили
argentina argentine argentinian аргентин
colombia colombian колумби
peru peruvian перу
ecuador ecuadorian эквадор
bolivia bolivian боливи
nicaragua nicaraguan никарагуа
panama panamanian панам
italy italian итали
spain spanish испани
portugal portuguese португали
greece greek греци
cyprus cypriot кипр
malta maltese мальт
netherlands dutch нидерланд голланди
belgium belgian бельги
denmark danish дани
sweden swedish швеци
iceland icelandic исланди
ireland irish ирланди
estonia estonian эстони
latvia latvian латви
lithuania lithuanian литв
moldova moldovan молдав молдов
romania romanian румыни
bulgaria bulgarian болгари
czech чехи
slovakia slovak словаки
slovenia slovenian словени
croatia croatian хорвати
kyrgyzstan kyrgyz киргизи киргизстан кыргызстан
uzbekistan uzbek узбекистан
tajikistan tajik таджикистан
turkmenistan turkmen туркмени туркменистан
mongolia mongolian монголи
afghanistan afghan афганистан
pakistan pakistani пакистан
iraq iraqi ирак
lebanon lebanese ливан
kuwait kuwaiti кувейт
bahrain bahraini бахрейн
yemen yemeni йемен
libya libyan ливи
algeria algerian алжир
morocco moroccan марокко
tunisia tunisian тунис
sudan sudanese судан
nigeria nigerian нигери
ethiopia ethiopian эфиопи
kenya kenyan кени
djibouti джибути
юар
australia australian австрали
indonesia indonesian индонези
malaysia malaysian малайзи
thailand thai таиланд
vietnam vietnamese вьетнам
philippines philippine filipino филиппин
singapore сингапур
`)

// isThirdCountry reports whether the lower-case word w is one of
// thirdCountries, or a Russian form of one.
func isThirdCountry(w string) bool {
	if thirdCountries[w] {
		return true
	}
	for cut := 0; cut < 2 && w != ""; cut++ {
		_, n := utf8.DecodeLastRuneInString(w)
		w = w[:len(w)-n]
		if thirdCountries[w] && w[0] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// sayWords tell that a headline reports what someone said ("Treasury
// chief says…", "Рябков заявил…", "Senators urge…", "Lavrov tells UN…"),
// or let it be known
// ("Treasury Secretary signals…", «Ушаков допустил…»), and labelWords open
// a headline that is an outlet's rubric, not a speaker ("Analysis: …",
// "Мнение: …"). A headline is a statement when it has a say word, or a
// speaker's name before a colon ("Песков: …", "Глава МИД Венгрии: …").
var (
	sayWords = wordSet(`
		says said urge urges urged warns warned tells
		заявил заявила заявили заявляет заявляют считает считают назвал назвала назвали
		сообщил сообщила сообщили говорит призвал призвала призвали предупредил
		предупредила предупредили signals signaled signalled допустил допустила допустили
		допускает допускают`)
	// rulesOut: to rule something out is to say it will not be ("China
	// rules out joining US-Russian talks…"), a statement of what is to
	// come (statement, forecast, rulingOut).
	rulesOut   = [][2]string{{"rules", "out"}, {"ruled", "out"}, {"ruling", "out"}}
	labelWords = wordSet(`analysis opinion explainer update exclusive comment commentary interview
		анализ мнение комментарий интервью колонка`)
)

// prospectWords, prospectPrefixes and prospectPhrases tell that a
// statement speaks of what is to come: the future and its modals, plans,
// hopes and expectations, readiness, dates not yet set ("Песков:
// говорить о сроках встречи преждевременно", "Ушаков: Путин и Трамп
// созвонятся, когда будет что обсуждать", "Treasury chief says crypto
// channels will be shut"), what is not done yet and the schedule
// («пока не стоит в графике», «в ближайшие недели»), and what is signalled
// or allowed as possible. Russian perfective verbs are future in the
// present's form; the list has the ones the topic's acts take, arriving,
// receiving, opening and leading a delegation among them («спецпосланник
// прилетит в Москву во вторник», «Путин примет…», «посольство
// откроется…», «делегацию возглавит замминистра»); "coming" is what is
// announced ("Lutnick says more trade cases against Russian goods are
// coming"), and what not to expect is to come as well («прорыва ждать
// не стоит», "don't expect a breakthrough"), as is what will not be
// ("China won't join…": the words split "won't" into "won" and "t"). The singular of the plural
// futures is left out: on a summit's eve, «Путин проведет переговоры с
// президентом Турции» is a third party's meeting of its own, and read as
// a statement of what is to come it would lose the cut that keeps it from
// the aides' meeting, since two such statements are not cut against each
// other (docs/digest.md).
var (
	prospectWords = wordSet(`
		will would could may might plans planned planning expect expects expected hopes ready premature soon ahead coming
		signals signaled signalled пока
		urge urges urged warn warns warned
		будет будут будем станет станут ждать ждет ждут может могут возможен
		встретятся созвонятся проведут обсудят подпишут посетит прибудет состоится состоятся
		начнутся пройдут пройдет
		прилетит прилетят приедет приедут примет примут откроется откроются откроет открыта вылетит посетят
		возглавит возглавят`)
	prospectPrefixes = []string{"готов", "намерен", "планир", "ожида", "преждевременн", "срок", "возможн", "собира", "надеет", "рассчитыва", "призва", "призыва", "ближайш", "график", "допус"}
	prospectPhrases  = [][2]string{{"to", "meet"}, {"to", "hold"}, {"to", "visit"}, {"to", "sign"}, {"no", "date"}, {"open", "to"}, {"won", "t"}}
)

// soonWords and soonPhrases name the coming days: a statement that says
// its act comes then says when (features.titleSoon, params.soonMiss).
var (
	soonWords   = wordSet(`tomorrow завтра`)
	soonPhrases = [][2]string{{"this", "week"}, {"next", "week"}, {"coming", "days"}, {"within", "days"}, {"конца", "недели"}, {"этой", "неделе"}, {"следующей", "неделе"}, {"ближайшие", "дни"}}
)

// eveWords, and eveOfWords before "of", say that what follows in a
// headline is an event to come that it dates its own by (eveOf).
var eveWords, eveOfWords = wordSet(`накануне преддверии`), wordSet(`eve ahead`)

// spanCounts and spanPrefixes tell how many days a meeting lasts
// (meetingDays): "two days of talks", «двухдневные консультации».
var (
	spanCounts   = wordSet(`two three four`)
	spanPrefixes = []string{"двухднев", "трехднев", "трёхднев", "четырехднев"}
)

// ruPrepositions are the Russian prepositions (opensCommentary).
var ruPrepositions = wordSet(`в во на под над у за из с со к ко о об по от до для без вне вместо через при про перед между среди после против около`)

// wordSet is the set of the whitespace-separated words of list.
func wordSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}
