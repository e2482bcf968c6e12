package normalize

import (
	"net/url"
	"strings"
)

// trackingParams are query parameters that identify a campaign or a click,
// never the resource. utm_* is matched by prefix in isTracking.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "msclkid": true,
	"mc_cid": true, "mc_eid": true, "yclid": true, "_hsenc": true, "_hsmi": true, "__hssc": true,
	"__hstc": true, "__hsfp": true, "hsctatracking": true, "igshid": true, "ref_src": true, "ref_url": true,
	"twclid": true, "ttclid": true, "li_fat_id": true, "mkt_tok": true, "oly_anon_id": true,
	"oly_enc_id": true, "vero_id": true, "vero_conv": true, "_ga": true, "_gl": true, "s_cid": true,
	"wt.mc_id": true, "ncid": true, "sr_share": true, "rb_clickid": true, "srsltid": true,
	"at_medium": true, "at_campaign": true, "cmpid": true, "itm_source": true, "itm_medium": true,
	"itm_campaign": true, "pk_campaign": true, "pk_kwd": true, "pk_source": true, "pk_medium": true,
	"mtm_campaign": true, "mtm_source": true, "mtm_medium": true, "mtm_keyword": true,
}

func isTracking(key string) bool {
	k := strings.ToLower(key)
	return strings.HasPrefix(k, "utm_") || trackingParams[k]
}

// CanonicalLink returns link in the form used to recognise the same article
// under different URLs: scheme and host lowercased, default port and
// fragment removed, tracking parameters dropped. The other parameters keep
// their order and encoding, because some sites route on them. Links that do
// not parse as absolute http(s) URLs are returned trimmed, unchanged.
func CanonicalLink(link string) string {
	link = strings.TrimSpace(link)
	u, err := url.Parse(link)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return link
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if host, port, ok := strings.Cut(u.Host, ":"); ok && !strings.HasPrefix(u.Host, "[") {
		if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") || port == "" {
			u.Host = host
		}
	} else if strings.HasPrefix(u.Host, "[") {
		if u.Scheme == "http" {
			u.Host = strings.TrimSuffix(u.Host, ":80")
		} else {
			u.Host = strings.TrimSuffix(u.Host, ":443")
		}
	}
	u.Host = strings.TrimSuffix(u.Host, ".")
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		kept := parts[:0]
		for _, p := range parts {
			if p == "" {
				continue
			}
			k, _, _ := strings.Cut(p, "=")
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
			if !isTracking(k) {
				kept = append(kept, p)
			}
		}
		u.RawQuery = strings.Join(kept, "&")
	}
	u.ForceQuery = false
	return u.String()
}
