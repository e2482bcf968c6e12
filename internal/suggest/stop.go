package suggest

import "strings"

// stop lists words that every text has, in English and Russian: never a
// term on their own, nor the first or last word of a proposed phrase.
var stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(stopWords) {
		m[w] = true
	}
	return m
}()

const stopWords = `
a an the and or but nor of in on at to for from by with without as is are was were be been being am
it its this that these those he she they we you i me him her them us his hers their theirs our your my
not no yes has have had having do does did done will would can could should may might must shall
said says say saying told tells according after before over under about into onto than then there here
when where which who whom whose what why how all any some more most other others such only also just
up out if so one s t per via amid among against between during while since until upon within
new says year years week day days today yesterday monday tuesday wednesday thursday friday saturday sunday
mr mrs ms dr
still yet off both again even ever never now only very much many few first last next same own well back
down made make makes take took taken get got go going come came held hold holds set put see seen use used
way time times part place case point number people world date way early late long large small big high
и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только ее её мне было
вот от меня еще ещё нет о об из ему теперь когда даже ну ли если уже или ни быть был была были будет
него до вас там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем сам без чего
раз тоже себе под ж тогда кто этот того потому этого какой ним здесь этом почти мой тем чтобы нее куда
всех можно при после над больше тот через эти нас про всего них какая много эту эта это этих этой свою
том такой им более всегда между также который которая которое которые которых году года заявил заявила
заявили сообщил сообщила сообщили говорится по словам
`
