"""Name keys that know the German transliteration conventions besides the English ones.

fm_name_key is replaced (participants.queries.search and the duplicate check use it). The
generated column name_keys keeps its definition but must be computed again with the new
function: it is dropped and added again (as in 0004), which recomputes every row without
writing the audit trail.

Per word (lower case, no accents, apostrophes removed):
- particles: the articles al/el/ul/il and the assimilated ar/as/ash/at/ad/az/ed/es stand
  alone or are joined to the name (Al-Hassan = Al Hassan = Alhassan = Hassan; Arrashid =
  Rashid); ibn/ben/bin are one word; Abd/Abdul/Abdel/Abdur + name split in two
  (Abdulrahman = Abdul Rahman = Abd al-Rahman = Abdurrahman);
- consonants: dsch/dj -> j (Dschamal = Jamal), tsch/tch -> ch, sch -> sh, ch/kh -> h
  (Chalid = Khalid = Halid, Schewtschenko = Shevchenko), gh -> g, q -> k (Qasim = Kasim),
  ph -> f, ck -> k, th -> t, dh -> d, x -> ks, w -> v (Kowalenko = Kovalenko),
  y before a vowel at the start or between vowels -> j (Yusuf = Jusuf, Ayub = Ajub), j/y
  between a consonant and a vowel -> i (Tatyana = Tatjana = Tatiana, Maryam = Mariam),
  ou before a vowel at the start -> w (Oualid = Walid), other ou -> u (Youssef = Jusuf);
- vowels fall into two classes, a e i y -> a and o u -> u (Salma = Selma, Hiba = Heba,
  Mehdi = Mahdi; Hassan stays apart from Hussein); ei/ai/ey/ay -> ai (Zeinab = Zaynab);
  doubled letters collapse (Kareem = Karim); a word keeps only its first vowel (an initial
  vowel becomes "a": Olena = Elena); a final h is dropped.
- also zh -> sh (Zhukov = Schukow), rh -> r, c before e/i/y -> s, other c -> k (Carim).
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

import participants.models
from fallmanagement.core.migration_ops import drop_update_triggers

NAME_KEY_SQL = r"""
CREATE OR REPLACE FUNCTION fm_name_key(text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
DECLARE
  words text[];
  w text;
  k text;
  m text[];
  keys text[] := '{}';
BEGIN
  w := lower(public.fm_unaccent($1));
  w := regexp_replace(w, '[''`´’ʼʻ]', '', 'g');
  w := regexp_replace(w, '[^a-z]+', ' ', 'g');
  words := regexp_split_to_array(btrim(w), ' +');
  FOREACH w IN ARRAY words LOOP
    CONTINUE WHEN w = '' OR w IN ('al', 'el', 'ul', 'il', 'ar', 'as', 'ash', 'at', 'ad',
                                  'az', 'ed', 'es');
    IF w IN ('ibn', 'ben', 'bin', 'bn') THEN
      keys := keys || 'bin'::text;
      CONTINUE;
    END IF;
    -- Abd/Abdul/Abdel/Abdur + name: "abd" and the name.
    m := regexp_match(w, '^abd[aeiou]?[lr]?(.*)$');
    IF m IS NOT NULL AND w NOT IN ('abdi', 'abdu', 'abda', 'abdo') THEN
      keys := keys || 'abd'::text;
      w := m[1];
      CONTINUE WHEN length(w) < 2;
    END IF;
    -- A joined article: al/el before a consonant (Alhassan), or an assimilated one (Arrashid).
    IF length(w) >= 6 AND w ~ '^(al|el)[^aeiouy]' THEN
      w := substr(w, 3);
    ELSIF length(w) >= 6 AND w ~ '^a([rstdnz])\1' THEN
      w := substr(w, 3);
    END IF;
    k := w;
    k := regexp_replace(k, 'dsch|dzh|dj', 'j', 'g');
    k := regexp_replace(k, 'tsch|tch', 'ch', 'g');
    k := replace(k, 'sch', 'sh');
    k := replace(k, 'zh', 'sh');
    k := replace(k, 'rh', 'r');
    k := regexp_replace(k, 'kh|ch', 'h', 'g');
    k := replace(k, 'gh', 'g');
    k := replace(k, 'ph', 'f');
    k := replace(k, 'ck', 'k');
    k := regexp_replace(k, 'c(?=[eiy])', 's', 'g');
    k := replace(k, 'c', 'k');
    k := replace(k, 'q', 'k');
    k := replace(k, 'th', 't');
    k := replace(k, 'dh', 'd');
    k := replace(k, 'x', 'ks');
    k := regexp_replace(k, '^y(?=[aeiou])', 'j');
    k := regexp_replace(k, '([aeiou])y(?=[aiou]|e[a-z])', '\1j', 'g');
    k := regexp_replace(k, '([b-df-hk-np-tv-z])[jy](?=[aeiou])', '\1i', 'g');
    k := regexp_replace(k, '[ae][iy]', 'ai', 'g');
    k := regexp_replace(k, '^ou(?=[aeiou])', 'w');
    k := replace(k, 'ou', 'u');
    k := translate(k, 'eioyw', 'aauav');
    k := regexp_replace(k, '([a-z])\1+', '\1', 'g');
    m := regexp_match(k, '^([^aiu]*)([aiu])(.*)$');
    IF m IS NOT NULL THEN
      IF m[1] = '' THEN
        k := 'a' || regexp_replace(m[3], '[aiu]', '', 'g');
      ELSE
        k := m[1] || m[2] || regexp_replace(m[3], '[aiu]', '', 'g');
      END IF;
    END IF;
    k := regexp_replace(k, '(.)h$', '\1');
    k := regexp_replace(k, '([a-z])\1+', '\1', 'g');
    keys := keys || k;
  END LOOP;
  RETURN array_to_string(keys, ' ');
END
$$;
"""

# The function as 0002 defined it (for the way back).
OLD_NAME_KEY_SQL = r"""
CREATE OR REPLACE FUNCTION fm_name_key(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
SELECT lower(btrim(regexp_replace(
  regexp_replace(
    regexp_replace(
      regexp_replace(
        regexp_replace(
          regexp_replace(
            regexp_replace(
              regexp_replace(
                translate(
                  regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                    regexp_replace(lower(public.fm_unaccent($1)), '[^a-z]+', ' ', 'g'),
                    'tsch', 'ch', 'g'), 'sch', 'sh', 'g'), 'ph', 'f', 'g'), 'ck', 'k', 'g'),
                  'eiouyw', 'iiuuiv'),
                '(^| )[aiu]', '\1A', 'g'),
              '(^| )([^aiuAIU ]+)a', '\1\2A', 'g'),
            '(^| )([^aiuAIU ]+)i', '\1\2I', 'g'),
          '(^| )([^aiuAIU ]+)u', '\1\2U', 'g'),
        '[aiu]', '', 'g'),
      'h( |$)', '\1', 'g'),
    '([a-zA-Z])\1+', '\1', 'g'),
  ' +', ' ', 'g')))
$$;
"""


def name_keys_field():
    return models.GeneratedField(
        db_persist=True,
        expression=django.db.models.functions.text.Concat(
            models.Value(" "),
            participants.models.FmNameKey(
                django.db.models.functions.text.Concat(
                    "first_name",
                    models.Value(" "),
                    "preferred_name",
                    models.Value(" "),
                    "last_name",
                    output_field=models.TextField(),
                )
            ),
            models.Value(" "),
            output_field=models.TextField(),
        ),
        output_field=models.TextField(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0005_casenote_corrections"),
    ]

    operations = [
        drop_update_triggers("participants_participant"),
        migrations.RemoveIndex(model_name="participant", name="participant_keys_trgm"),
        migrations.RemoveField(model_name="participant", name="name_keys"),
        migrations.RunSQL(NAME_KEY_SQL, OLD_NAME_KEY_SQL),
        migrations.AddField(model_name="participant", name="name_keys", field=name_keys_field()),
        migrations.AddIndex(
            model_name="participant",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["name_keys"], name="participant_keys_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
        drop_update_triggers("participants_participant", when_reversed=True),
    ]
