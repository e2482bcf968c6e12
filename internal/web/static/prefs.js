// The preferences page's time zone: when the subscriber has chosen none,
// propose the browser's. The select works without this script; it only
// picks an option, and nothing changes until the subscriber saves.
(function () {
  "use strict";
  var select = document.getElementById("tz");
  var hint = document.getElementById("tz-hint");
  if (!select || select.value !== "" || !window.Intl) return;
  var name;
  try {
    name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  // Browsers may give an older name of a zone (ICU keeps them); these are
  // tzdata's links ("backward") to the names the select lists.
  var aliases = {
  "Africa/Asmera":"Africa/Nairobi", "Africa/Timbuktu":"Africa/Abidjan",
  "America/Argentina/ComodRivadavia":"America/Argentina/Catamarca", "America/Atka":"America/Adak",
  "America/Buenos_Aires":"America/Argentina/Buenos_Aires",
  "America/Catamarca":"America/Argentina/Catamarca", "America/Coral_Harbour":"America/Panama",
  "America/Cordoba":"America/Argentina/Cordoba", "America/Ensenada":"America/Tijuana",
  "America/Fort_Wayne":"America/Indiana/Indianapolis", "America/Godthab":"America/Nuuk",
  "America/Indianapolis":"America/Indiana/Indianapolis", "America/Jujuy":"America/Argentina/Jujuy",
  "America/Knox_IN":"America/Indiana/Knox", "America/Louisville":"America/Kentucky/Louisville",
  "America/Mendoza":"America/Argentina/Mendoza", "America/Montreal":"America/Toronto",
  "America/Nipigon":"America/Toronto", "America/Pangnirtung":"America/Iqaluit",
  "America/Porto_Acre":"America/Rio_Branco", "America/Rainy_River":"America/Winnipeg",
  "America/Rosario":"America/Argentina/Cordoba", "America/Santa_Isabel":"America/Tijuana",
  "America/Shiprock":"America/Denver", "America/Thunder_Bay":"America/Toronto",
  "America/Virgin":"America/Puerto_Rico", "America/Yellowknife":"America/Edmonton",
  "Antarctica/South_Pole":"Pacific/Auckland", "Asia/Ashkhabad":"Asia/Ashgabat",
  "Asia/Calcutta":"Asia/Kolkata", "Asia/Choibalsan":"Asia/Ulaanbaatar",
  "Asia/Chongqing":"Asia/Shanghai", "Asia/Chungking":"Asia/Shanghai", "Asia/Dacca":"Asia/Dhaka",
  "Asia/Harbin":"Asia/Shanghai", "Asia/Istanbul":"Europe/Istanbul", "Asia/Kashgar":"Asia/Urumqi",
  "Asia/Katmandu":"Asia/Kathmandu", "Asia/Macao":"Asia/Macau", "Asia/Rangoon":"Asia/Yangon",
  "Asia/Saigon":"Asia/Ho_Chi_Minh", "Asia/Tel_Aviv":"Asia/Jerusalem", "Asia/Thimbu":"Asia/Thimphu",
  "Asia/Ujung_Pandang":"Asia/Makassar", "Asia/Ulan_Bator":"Asia/Ulaanbaatar",
  "Atlantic/Faeroe":"Atlantic/Faroe", "Atlantic/Jan_Mayen":"Europe/Berlin",
  "Australia/ACT":"Australia/Sydney", "Australia/Canberra":"Australia/Sydney",
  "Australia/Currie":"Australia/Hobart", "Australia/LHI":"Australia/Lord_Howe",
  "Australia/NSW":"Australia/Sydney", "Australia/North":"Australia/Darwin",
  "Australia/Queensland":"Australia/Brisbane", "Australia/South":"Australia/Adelaide",
  "Australia/Tasmania":"Australia/Hobart", "Australia/Victoria":"Australia/Melbourne",
  "Australia/West":"Australia/Perth", "Australia/Yancowinna":"Australia/Broken_Hill",
  "Brazil/Acre":"America/Rio_Branco", "Brazil/DeNoronha":"America/Noronha",
  "Brazil/East":"America/Sao_Paulo", "Brazil/West":"America/Manaus",
  "Canada/Atlantic":"America/Halifax", "Canada/Central":"America/Winnipeg",
  "Canada/Eastern":"America/Toronto", "Canada/Mountain":"America/Edmonton",
  "Canada/Newfoundland":"America/St_Johns", "Canada/Pacific":"America/Vancouver",
  "Canada/Saskatchewan":"America/Regina", "Canada/Yukon":"America/Whitehorse",
  "Chile/Continental":"America/Santiago", "Chile/EasterIsland":"Pacific/Easter",
  "Cuba":"America/Havana", "Egypt":"Africa/Cairo", "Eire":"Europe/Dublin", "Etc/GMT":"UTC",
  "Etc/GMT0":"UTC", "Etc/Greenwich":"UTC", "Etc/UCT":"UTC", "Etc/UTC":"UTC", "Etc/Universal":"UTC",
  "Etc/Zulu":"UTC", "Europe/Belfast":"Europe/London", "Europe/Kiev":"Europe/Kyiv",
  "Europe/Nicosia":"Asia/Nicosia", "Europe/Tiraspol":"Europe/Chisinau",
  "Europe/Uzhgorod":"Europe/Kyiv", "Europe/Zaporozhye":"Europe/Kyiv", "GB":"Europe/London",
  "GB-Eire":"Europe/London", "GMT":"UTC", "GMT0":"UTC", "Greenwich":"UTC",
  "Hongkong":"Asia/Hong_Kong", "Iceland":"Africa/Abidjan", "Iran":"Asia/Tehran",
  "Israel":"Asia/Jerusalem", "Jamaica":"America/Jamaica", "Japan":"Asia/Tokyo",
  "Kwajalein":"Pacific/Kwajalein", "Libya":"Africa/Tripoli", "Mexico/BajaNorte":"America/Tijuana",
  "Mexico/BajaSur":"America/Mazatlan", "Mexico/General":"America/Mexico_City",
  "NZ":"Pacific/Auckland", "NZ-CHAT":"Pacific/Chatham", "Navajo":"America/Denver",
  "PRC":"Asia/Shanghai", "Pacific/Enderbury":"Pacific/Kanton",
  "Pacific/Johnston":"Pacific/Honolulu", "Pacific/Ponape":"Pacific/Guadalcanal",
  "Pacific/Samoa":"Pacific/Pago_Pago", "Pacific/Truk":"Pacific/Port_Moresby",
  "Pacific/Yap":"Pacific/Port_Moresby", "Poland":"Europe/Warsaw", "Portugal":"Europe/Lisbon",
  "ROC":"Asia/Taipei", "ROK":"Asia/Seoul", "Singapore":"Asia/Singapore", "Turkey":"Europe/Istanbul",
  "UCT":"UTC", "US/Alaska":"America/Anchorage", "US/Aleutian":"America/Adak",
  "US/Arizona":"America/Phoenix", "US/Central":"America/Chicago",
  "US/East-Indiana":"America/Indiana/Indianapolis", "US/Eastern":"America/New_York",
  "US/Hawaii":"Pacific/Honolulu", "US/Indiana-Starke":"America/Indiana/Knox",
  "US/Michigan":"America/Detroit", "US/Mountain":"America/Denver",
  "US/Pacific":"America/Los_Angeles", "US/Samoa":"Pacific/Pago_Pago", "Universal":"UTC",
  "W-SU":"Europe/Moscow", "Zulu":"UTC"
  };
  if (aliases[name]) name = aliases[name];
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === name) {
      select.value = name;
      select.classList.add("proposed");
      if (hint) hint.textContent = "Proposed from your browser: " + name + ". Save to keep it.";
      return;
    }
  }
})();
