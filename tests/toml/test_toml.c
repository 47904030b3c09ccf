/* The TOML 1.0 reader: the specification's own examples (valid and
 * invalid), the redefinition rules, limits, and the accessors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "toml.h"

/* A compact JSON-like rendering of a parsed document, in document order:
 * strings "..", integers as digits, floats as f:%.15g, date-times as
 * d:<text>, booleans true/false. */
static void dump(const pw_toml_value *v, pw_buf *out)
{
    switch (pw_toml_type_of(v)) {
    case PW_TOML_STRING: {
        const char *s = pw_toml_string(v);
        size_t n = pw_toml_string_len(v);
        pw_buf_putc(out, '"');
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"' || c == '\\')
                pw_buf_printf(out, "\\%c", c);
            else if (c == '\n')
                pw_buf_puts(out, "\\n");
            else if (c == '\t')
                pw_buf_puts(out, "\\t");
            else if (c < 0x20 || c == 0x7f)
                pw_buf_printf(out, "\\u%04X", c);
            else
                pw_buf_putc(out, (char)c);
        }
        pw_buf_putc(out, '"');
        break;
    }
    case PW_TOML_INTEGER:
        pw_buf_printf(out, "%lld", (long long)pw_toml_integer(v));
        break;
    case PW_TOML_FLOAT: {
        double d = pw_toml_float(v);
        if (isnan(d))
            pw_buf_puts(out, "f:nan");
        else
            pw_buf_printf(out, "f:%.15g", d);
        break;
    }
    case PW_TOML_BOOL:
        pw_buf_puts(out, pw_toml_bool(v) ? "true" : "false");
        break;
    case PW_TOML_DATETIME:
        pw_buf_printf(out, "d:%s", pw_toml_string(v));
        break;
    case PW_TOML_ARRAY:
        pw_buf_putc(out, '[');
        for (size_t i = 0; i < pw_toml_len(v); i++) {
            if (i)
                pw_buf_putc(out, ',');
            dump(pw_toml_at(v, i), out);
        }
        pw_buf_putc(out, ']');
        break;
    case PW_TOML_TABLE:
        pw_buf_putc(out, '{');
        for (size_t i = 0; i < pw_toml_len(v); i++) {
            if (i)
                pw_buf_putc(out, ',');
            pw_buf_printf(out, "\"%s\":", pw_toml_key_at(v, i));
            dump(pw_toml_at(v, i), out);
        }
        pw_buf_putc(out, '}');
        break;
    }
}

typedef struct valid_case {
    const char *doc;
    const char *expected;
} valid_case;

static const valid_case valid_cases[] = {
    /* Spec: Comment. */
    {"# This is a full-line comment\nkey = \"value\"  # This is a comment at the end of a line\n"
     "another = \"# This is not a comment\"\n",
     "{\"key\":\"value\",\"another\":\"# This is not a comment\"}"},
    /* Spec: Keys (bare, quoted, empty quoted, dotted). */
    {"key = \"value\"\nbare_key = \"value\"\nbare-key = \"value\"\n1234 = \"value\"\n",
     "{\"key\":\"value\",\"bare_key\":\"value\",\"bare-key\":\"value\",\"1234\":\"value\"}"},
    {"\"127.0.0.1\" = \"value\"\n\"character encoding\" = \"value\"\n\"\xca\x8e\xc7\x9d\xca\x9e\" = "
     "\"value\"\n'key2' = \"value\"\n'quoted \"value\"' = \"value\"\n",
     "{\"127.0.0.1\":\"value\",\"character encoding\":\"value\",\"\xca\x8e\xc7\x9d\xca\x9e\":"
     "\"value\",\"key2\":\"value\",\"quoted \"value\"\":\"value\"}"},
    {"\"\" = \"blank\"\n", "{\"\":\"blank\"}"},
    {"'' = 'blank'\n", "{\"\":\"blank\"}"},
    {"name = \"Orange\"\nphysical.color = \"orange\"\nphysical.shape = \"round\"\n"
     "site.\"google.com\" = true\n",
     "{\"name\":\"Orange\",\"physical\":{\"color\":\"orange\",\"shape\":\"round\"},\"site\":{"
     "\"google.com\":true}}"},
    {"fruit.name = \"banana\"\nfruit. color = \"yellow\"\nfruit . flavor = \"banana\"\n",
     "{\"fruit\":{\"name\":\"banana\",\"color\":\"yellow\",\"flavor\":\"banana\"}}"},
    {"fruit.apple.smooth = true\nfruit.orange = 2\n",
     "{\"fruit\":{\"apple\":{\"smooth\":true},\"orange\":2}}"},
    {"apple.type = \"fruit\"\norange.type = \"fruit\"\napple.skin = \"thin\"\n"
     "orange.skin = \"thick\"\n",
     "{\"apple\":{\"type\":\"fruit\",\"skin\":\"thin\"},\"orange\":{\"type\":\"fruit\",\"skin\":"
     "\"thick\"}}"},
    {"3.14159 = \"pi\"\n", "{\"3\":{\"14159\":\"pi\"}}"},
    {"a.\"\".b = 1\n", "{\"a\":{\"\":{\"b\":1}}}"},
    {"true = 1\nfalse = 2\ninf = 3\nnan = 4\n",
     "{\"true\":1,\"false\":2,\"inf\":3,\"nan\":4}"},
    /* Spec: String. */
    {"str = \"I'm a string. \\\"You can quote me\\\". Name\\tJos\\u00E9\\nLocation\\tSF.\"\n",
     "{\"str\":\"I'm a string. \\\"You can quote me\\\". Name\\tJos\xc3\xa9\\nLocation\\tSF.\"}"},
    {"s = \"\\b\\t\\n\\f\\r\\\"\\\\\\u0041\\U0001F600\"\n",
     "{\"s\":\"\\u0008\\t\\n\\u000C\\u000D\\\"\\\\A\xf0\x9f\x98\x80\"}"},
    {"str1 = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n",
     "{\"str1\":\"Roses are red\\nViolets are blue\"}"},
    {"str1 = \"The quick brown fox jumps over the lazy dog.\"\n"
     "str2 = \"\"\"\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\"\n"
     "str3 = \"\"\"\\\n       The quick brown \\\n       fox jumps over \\\n"
     "       the lazy dog.\\\n       \"\"\"\n",
     "{\"str1\":\"The quick brown fox jumps over the lazy dog.\",\"str2\":\"The quick brown fox "
     "jumps over the lazy dog.\",\"str3\":\"The quick brown fox jumps over the lazy dog.\"}"},
    {"str4 = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"\n"
     "str5 = \"\"\"Here are three quotation marks: \"\"\\\".\"\"\"\n"
     "str6 = \"\"\"Here are fifteen quotation marks: \"\"\\\"\"\"\\\"\"\"\\\"\"\"\\\"\"\"\\\".\"\"\"\n"
     "str7 = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n",
     "{\"str4\":\"Here are two quotation marks: \\\"\\\". Simple enough.\","
     "\"str5\":\"Here are three quotation marks: \\\"\\\"\\\".\","
     "\"str6\":\"Here are fifteen quotation marks: "
     "\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\".\","
     "\"str7\":\"\\\"This,\\\" she said, \\\"is just a pointless statement.\\\"\"}"},
    {"winpath  = 'C:\\Users\\nodejs\\templates'\nwinpath2 = '\\\\ServerX\\admin$\\system32\\'\n"
     "quoted   = 'Tom \"Dubs\" Preston-Werner'\nregex    = '<\\i\\c*\\s*>'\n",
     "{\"winpath\":\"C:\\\\Users\\\\nodejs\\\\templates\",\"winpath2\":"
     "\"\\\\\\\\ServerX\\\\admin$\\\\system32\\\\\",\"quoted\":\"Tom \\\"Dubs\\\" "
     "Preston-Werner\",\"regex\":\"<\\\\i\\\\c*\\\\s*>\"}"},
    {"regex2 = '''I [dw]on't need \\d{2} apples'''\nlines  = '''\nThe first newline is\n"
     "trimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''\n",
     "{\"regex2\":\"I [dw]on't need \\\\d{2} apples\",\"lines\":\"The first newline is\\n"
     "trimmed in raw strings.\\n   All other whitespace\\n   is preserved.\\n\"}"},
    {"quot15 = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\n"
     "apos15 = \"Here are fifteen apostrophes: '''''''''''''''\"\n"
     "str = ''''That,' she said, 'is still pointless.''''\n",
     "{\"quot15\":\"Here are fifteen quotation marks: "
     "\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\","
     "\"apos15\":\"Here are fifteen apostrophes: '''''''''''''''\","
     "\"str\":\"'That,' she said, 'is still pointless.'\"}"},
    {"a = \"\"\n b = ''\n", "{\"a\":\"\",\"b\":\"\"}"},
    {"a = \"\"\"\"\"\"\n", "{\"a\":\"\"}"},
    {"a = \"\"\"\r\nx\r\ny\"\"\"\r\n", "{\"a\":\"x\\ny\"}"},
    {"a = \"tab\there\"\n", "{\"a\":\"tab\\there\"}"},
    /* Spec: Integer. */
    {"int1 = +99\nint2 = 42\nint3 = 0\nint4 = -17\n",
     "{\"int1\":99,\"int2\":42,\"int3\":0,\"int4\":-17}"},
    {"int5 = 1_000\nint6 = 5_349_221\nint7 = 53_49_221\nint8 = 1_2_3_4_5\n",
     "{\"int5\":1000,\"int6\":5349221,\"int7\":5349221,\"int8\":12345}"},
    {"a = +0\nb = -0\n", "{\"a\":0,\"b\":0}"},
    {"hex1 = 0xDEADBEEF\nhex2 = 0xdeadbeef\nhex3 = 0xdead_beef\noct1 = 0o01234567\n"
     "oct2 = 0o755\nbin1 = 0b11010110\n",
     "{\"hex1\":3735928559,\"hex2\":3735928559,\"hex3\":3735928559,\"oct1\":342391,\"oct2\":493,"
     "\"bin1\":214}"},
    {"max = 9223372036854775807\nmin = -9223372036854775808\nhex = 0x7FFFFFFFFFFFFFFF\n",
     "{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"hex\":9223372036854775807}"},
    {"a = 0x0\nb = 0o0\nc = 0b0\nd = 0x00ff\n", "{\"a\":0,\"b\":0,\"c\":0,\"d\":255}"},
    /* Spec: Float. */
    {"flt1 = +1.0\nflt2 = 3.1415\nflt3 = -0.01\nflt4 = 5e+22\nflt5 = 1e06\nflt6 = -2E-2\n"
     "flt7 = 6.626e-34\nflt8 = 224_617.445_991_228\n",
     "{\"flt1\":f:1,\"flt2\":f:3.1415,\"flt3\":f:-0.01,\"flt4\":f:5e+22,\"flt5\":f:1000000,"
     "\"flt6\":f:-0.02,\"flt7\":f:6.626e-34,\"flt8\":f:224617.445991228}"},
    {"sf1 = inf\nsf2 = +inf\nsf3 = -inf\nsf4 = nan\nsf5 = +nan\nsf6 = -nan\n",
     "{\"sf1\":f:inf,\"sf2\":f:inf,\"sf3\":f:-inf,\"sf4\":f:nan,\"sf5\":f:nan,\"sf6\":f:nan}"},
    {"a = -0.0\nb = +0.0\nc = 0e0\nd = 1_0.0_1e1_0\n",
     "{\"a\":f:-0,\"b\":f:0,\"c\":f:0,\"d\":f:100100000000}"},
    /* Spec: Boolean. */
    {"bool1 = true\nbool2 = false\n", "{\"bool1\":true,\"bool2\":false}"},
    /* Spec: Offset Date-Time, Local Date-Time, Local Date, Local Time. */
    {"odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\n"
     "odt3 = 1979-05-27T00:32:00.999999-07:00\nodt4 = 1979-05-27 07:32:00Z\n",
     "{\"odt1\":d:1979-05-27T07:32:00Z,\"odt2\":d:1979-05-27T00:32:00-07:00,"
     "\"odt3\":d:1979-05-27T00:32:00.999999-07:00,\"odt4\":d:1979-05-27 07:32:00Z}"},
    {"ldt1 = 1979-05-27T07:32:00\nldt2 = 1979-05-27T00:32:00.999999\nld1 = 1979-05-27\n"
     "lt1 = 07:32:00\nlt2 = 00:32:00.999999\n",
     "{\"ldt1\":d:1979-05-27T07:32:00,\"ldt2\":d:1979-05-27T00:32:00.999999,"
     "\"ld1\":d:1979-05-27,\"lt1\":d:07:32:00,\"lt2\":d:00:32:00.999999}"},
    {"a = 1979-05-27t07:32:00z\nb = 2024-02-29\nc = 23:59:60\nd = 1979-05-27 # date\n",
     "{\"a\":d:1979-05-27t07:32:00z,\"b\":d:2024-02-29,\"c\":d:23:59:60,\"d\":d:1979-05-27}"},
    {"a = [1979-05-27, 07:32:00]\nb = {c = 2000-02-29}\n",
     "{\"a\":[d:1979-05-27,d:07:32:00],\"b\":{\"c\":d:2000-02-29}}"},
    /* Spec: Array. */
    {"integers = [ 1, 2, 3 ]\ncolors = [ \"red\", \"yellow\", \"green\" ]\n"
     "nested_array_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\n"
     "nested_mixed_array = [ [ 1, 2 ], [\"a\", \"b\", \"c\"] ]\n"
     "string_array = [ \"all\", 'strings', \"\"\"are the same\"\"\", '''type''' ]\n",
     "{\"integers\":[1,2,3],\"colors\":[\"red\",\"yellow\",\"green\"],"
     "\"nested_array_of_ints\":[[1,2],[3,4,5]],\"nested_mixed_array\":[[1,2],[\"a\",\"b\",\"c\"]],"
     "\"string_array\":[\"all\",\"strings\",\"are the same\",\"type\"]}"},
    {"numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\ncontributors = [\n  \"Foo Bar <foo@example.com>\",\n"
     "  { name = \"Baz Qux\", email = \"bazqux@example.com\", url = "
     "\"https://example.com/bazqux\" }\n]\n",
     "{\"numbers\":[f:0.1,f:0.2,f:0.5,1,2,5],\"contributors\":[\"Foo Bar <foo@example.com>\","
     "{\"name\":\"Baz Qux\",\"email\":\"bazqux@example.com\",\"url\":"
     "\"https://example.com/bazqux\"}]}"},
    {"integers2 = [\n  1, 2, 3\n]\n\nintegers3 = [\n  1,\n  2, # this is ok\n]\n",
     "{\"integers2\":[1,2,3],\"integers3\":[1,2]}"},
    {"a = []\nb = [ ]\nc = [\n]\nd = [ # comment\n]\n",
     "{\"a\":[],\"b\":[],\"c\":[],\"d\":[]}"},
    {"a = [\n  # leading comment\n  1 # one\n  ,\n  2\n  # trailing\n]\n", "{\"a\":[1,2]}"},
    /* Spec: Table. */
    {"[table]\n", "{\"table\":{}}"},
    {"[table-1]\nkey1 = \"some string\"\nkey2 = 123\n\n[table-2]\nkey1 = \"another string\"\n"
     "key2 = 456\n",
     "{\"table-1\":{\"key1\":\"some string\",\"key2\":123},\"table-2\":{\"key1\":\"another "
     "string\",\"key2\":456}}"},
    {"[dog.\"tater.man\"]\ntype.name = \"pug\"\n",
     "{\"dog\":{\"tater.man\":{\"type\":{\"name\":\"pug\"}}}}"},
    {"[a.b.c]\n[ d.e.f ]\n[ g .  h  . i ]\n[ j . \"\xca\x9e\" . 'l' ]\n",
     "{\"a\":{\"b\":{\"c\":{}}},\"d\":{\"e\":{\"f\":{}}},\"g\":{\"h\":{\"i\":{}}},\"j\":{"
     "\"\xca\x9e\":{\"l\":{}}}}"},
    {"[x.y.z.w]\n\n[x]\n", "{\"x\":{\"y\":{\"z\":{\"w\":{}}}}}"},
    {"[fruit.apple]\n[animal]\n[fruit.orange]\n",
     "{\"fruit\":{\"apple\":{},\"orange\":{}},\"animal\":{}}"},
    {"name = \"Fido\"\nbreed = \"pug\"\n\n[owner]\nname = \"Regina Dogman\"\n"
     "member_since = 1999-08-04\n",
     "{\"name\":\"Fido\",\"breed\":\"pug\",\"owner\":{\"name\":\"Regina Dogman\","
     "\"member_since\":d:1999-08-04}}"},
    {"fruit.apple.color = \"red\"\nfruit.apple.taste.sweet = true\n",
     "{\"fruit\":{\"apple\":{\"color\":\"red\",\"taste\":{\"sweet\":true}}}}"},
    {"[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n\n[fruit.apple.texture]\n"
     "smooth = true\n",
     "{\"fruit\":{\"apple\":{\"color\":\"red\",\"taste\":{\"sweet\":true},\"texture\":{"
     "\"smooth\":true}}}}"},
    /* An implicit table (parent of a header) is not "defined in [table]
     * form", so dotted keys of its parent may still add to it. */
    {"[a.b.c]\nz = 9\n[a]\nb.d = 2\n", "{\"a\":{\"b\":{\"c\":{\"z\":9},\"d\":2}}}"},
    /* Spec: Inline Table. */
    {"name = { first = \"Tom\", last = \"Preston-Werner\" }\npoint = { x = 1, y = 2 }\n"
     "animal = { type.name = \"pug\" }\n",
     "{\"name\":{\"first\":\"Tom\",\"last\":\"Preston-Werner\"},\"point\":{\"x\":1,\"y\":2},"
     "\"animal\":{\"type\":{\"name\":\"pug\"}}}"},
    {"a = {}\nb = { }\nc = {d = {e = {f = 1}}}\n",
     "{\"a\":{},\"b\":{},\"c\":{\"d\":{\"e\":{\"f\":1}}}}"},
    {"a = { b = [\n 1,\n 2 ], c = \"\"\"x\ny\"\"\" }\n", "{\"a\":{\"b\":[1,2],\"c\":\"x\\ny\"}}"},
    /* Spec: Array of Tables. */
    {"[[products]]\nname = \"Hammer\"\nsku = 738594937\n\n[[products]]  # empty table within "
     "the array\n\n[[products]]\nname = \"Nail\"\nsku = 284758393\n\ncolor = \"gray\"\n",
     "{\"products\":[{\"name\":\"Hammer\",\"sku\":738594937},{},{\"name\":\"Nail\",\"sku\":"
     "284758393,\"color\":\"gray\"}]}"},
    {"[[fruits]]\nname = \"apple\"\n\n[fruits.physical]  # subtable\ncolor = \"red\"\n"
     "shape = \"round\"\n\n[[fruits.varieties]]  # nested array of tables\n"
     "name = \"red delicious\"\n\n[[fruits.varieties]]\nname = \"granny smith\"\n\n\n"
     "[[fruits]]\nname = \"banana\"\n\n[[fruits.varieties]]\nname = \"plantain\"\n",
     "{\"fruits\":[{\"name\":\"apple\",\"physical\":{\"color\":\"red\",\"shape\":\"round\"},"
     "\"varieties\":[{\"name\":\"red delicious\"},{\"name\":\"granny smith\"}]},{\"name\":"
     "\"banana\",\"varieties\":[{\"name\":\"plantain\"}]}]}"},
    {"points = [ { x = 1, y = 2, z = 3 },\n           { x = 7, y = 8, z = 9 },\n"
     "           { x = 2, y = 4, z = 8 } ]\n",
     "{\"points\":[{\"x\":1,\"y\":2,\"z\":3},{\"x\":7,\"y\":8,\"z\":9},{\"x\":2,\"y\":4,\"z\":8}]}"},
    {"[[a]]\nb.c = 1\n[[a]]\nb.c = 2\n", "{\"a\":[{\"b\":{\"c\":1}},{\"b\":{\"c\":2}}]}"},
    {"[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n",
     "{\"a\":[{\"b\":{\"x\":1}},{\"b\":{\"x\":2}}]}"},
    /* Layout: CRLF, no final newline, tabs, empty documents. */
    {"a = 1\r\nb = \"x\"\r\n[t]\r\nc = 2 # c\r\n", "{\"a\":1,\"b\":\"x\",\"t\":{\"c\":2}}"},
    {"a = 1", "{\"a\":1}"},
    {"\ta\t=\t1\t\n", "{\"a\":1}"},
    {"", "{}"},
    {"# only a comment\n\n   \n# another \xe2\x9c\x93\n", "{}"},
    {"a = 1#no space\n", "{\"a\":1}"},
    /* pyproject.toml as pwpkg reads it. */
    {"[project]\nname = \"app\"\ndependencies = [\n  \"numpy>=1.26\",\n  \"pandas\",\n]\n\n"
     "[project.optional-dependencies]\ntest = [\"pytest\"]\n",
     "{\"project\":{\"name\":\"app\",\"dependencies\":[\"numpy>=1.26\",\"pandas\"],"
     "\"optional-dependencies\":{\"test\":[\"pytest\"]}}}"},
};

typedef struct invalid_case {
    const char *doc;
    int code;
    const char *message; /* a substring of the error, usually "t:line:column: ..." */
} invalid_case;

static const invalid_case invalid_cases[] = {
    /* Spec: "Unspecified values are invalid." / one pair per line. */
    {"key = # INVALID\n", PW_EINVAL, "t:1:7: expected a value"},
    {"key =\n", PW_EINVAL, "t:1:6: expected a value"},
    {"key =", PW_EINVAL, "found end of file"},
    {"first = \"Tom\" last = \"Preston-Werner\" # INVALID\n", PW_EINVAL,
     "t:1:15: expected a new line or a comment after the value"},
    {"= \"no key name\"  # INVALID\n", PW_EINVAL, "t:1:1: expected a key"},
    {"key\n", PW_EINVAL, "t:1:4: expected '=' after the key"},
    {"a b = 1\n", PW_EINVAL, "t:1:3: expected '='"},
    {".a = 1\n", PW_EINVAL, "t:1:1: expected a key"},
    {"a. = 1\n", PW_EINVAL, "t:1:4: expected a key"},
    {"a..b = 1\n", PW_EINVAL, "t:1:3: expected a key"},
    {"\"\"\"a\"\"\" = 1\n", PW_EINVAL, "found a multi-line string"},
    {"\"a = 1\n", PW_EINVAL, "t:1:7: expected a closing '\"'"},
    {"a = 1 = 2\n", PW_EINVAL, "t:1:7:"},
    /* Spec: defining a key multiple times is invalid (bare = quoted). */
    {"name = \"Tom\"\nname = \"Pradyun\"\n", PW_EINVAL,
     "t:2:1: 'name' is defined twice (first on line 1)"},
    {"spelling = \"favorite\"\n\"spelling\" = \"favourite\"\n", PW_EINVAL,
     "t:2:1: 'spelling' is defined twice"},
    {"fruit.apple = 1\nfruit.apple.smooth = true\n", PW_EINVAL,
     "t:2:7: 'fruit.apple' is already an integer (line 1), not a table"},
    {"a.b = 1\na = 2\n", PW_EINVAL, "t:2:1: 'a' is defined twice"},
    /* Spec: strings. */
    {"str5 = \"\"\"Here are three quotation marks: \"\"\".\"\"\"\n", PW_EINVAL, "t:1:46: expected a new line or a comment after the value, found '.'"},
    {"apos15 = '''Here are fifteen apostrophes: ''''''''''''''''''\n", PW_EINVAL,
     "at most five quotes"},
    {"a = \"abc\n", PW_EINVAL, "t:1:9: expected a closing '\"' before the end of the line"},
    {"a = \"abc", PW_EINVAL, "t:1:5: unterminated string"},
    {"a = 'abc\ndef'\n", PW_EINVAL, "t:1:9: expected a closing \"'\""},
    {"a = '''abc\n", PW_EINVAL, "t:1:5: unterminated multi-line string: expected '''"},
    {"a = \"\"\"abc\n", PW_EINVAL, "unterminated multi-line string: expected \"\"\""},
    {"a = \"\\x41\"\n", PW_EINVAL, "t:1:6: invalid escape sequence"},
    {"a = \"\\ \"\n", PW_EINVAL, "invalid escape sequence"},
    {"a = \"\"\"a\\ b\"\"\"\n", PW_EINVAL, "invalid escape sequence"},
    {"a = \"\\u12\"\n", PW_EINVAL, "expected 4 hexadecimal digits"},
    {"a = \"\\uD800\"\n", PW_EINVAL, "not a Unicode scalar value"},
    {"a = \"\\U00110000\"\n", PW_EINVAL, "not a Unicode scalar value"},
    {"a = \"a\x01\"\n", PW_EINVAL, "t:1:7: control character U+0001 must be escaped"},
    {"a = 'a\x7f'\n", PW_EINVAL, "control character U+007F"},
    {"a = \"\"\"a\x1f\"\"\"\n", PW_EINVAL, "control character U+001F"},
    {"a = '''a\rb'''\n", PW_EINVAL, "carriage return must be followed by a line feed"},
    /* Comments and line endings. */
    {"# bell \x07\na = 1\n", PW_EINVAL, "t:1:8: control character U+0007 is not allowed in a comment"},
    {"a = 1\rb = 2\n", PW_EINVAL, "t:1:6: a carriage return must be followed by a line feed"},
    {"a = 1 # \x0b\n", PW_EINVAL, "t:1:9: control character U+000B"},
    /* UTF-8. */
    {"a = \"\xc3\x28\"\n", PW_EINVAL, "t:1:6: invalid UTF-8 sequence"},
    {"a = \"\xc0\xaf\"\n", PW_EINVAL, "overlong"},
    {"a = \"\xed\xa0\x80\"\n", PW_EINVAL, "overlong or out-of-range"},
    {"a = \"\xe2\x82", PW_EINVAL, "truncated UTF-8"},
    {"a = \"\xff\"\n", PW_EINVAL, "invalid UTF-8 byte 0xFF"},
    {"\xef\xbb\xbf" "a = 1\n", PW_EINVAL, "byte order mark"},
    /* Spec: integers. */
    {"a = 012\n", PW_EINVAL, "t:1:5: invalid number '012': leading zeros"},
    {"a = 00\n", PW_EINVAL, "leading zeros"},
    {"a = -01\n", PW_EINVAL, "leading zeros"},
    {"a = 0_1\n", PW_EINVAL, "leading zeros"},
    {"a = 1__2\n", PW_EINVAL, "invalid number '1__2'"},
    {"a = _1\n", PW_EINVAL, "expected a value"},
    {"a = 1_\n", PW_EINVAL, "invalid number '1_'"},
    {"a = 0x_1\n", PW_EINVAL, "invalid hexadecimal integer"},
    {"a = +0x1\n", PW_EINVAL, "no sign"},
    {"a = -0o7\n", PW_EINVAL, "invalid octal integer"},
    {"a = 0xG1\n", PW_EINVAL, "invalid hexadecimal integer"},
    {"a = 0o8\n", PW_EINVAL, "invalid octal integer"},
    {"a = 0b2\n", PW_EINVAL, "invalid binary integer"},
    {"a = 0x\n", PW_EINVAL, "invalid hexadecimal integer"},
    {"a = 0X1F\n", PW_EINVAL, "invalid number"},
    {"a = 9223372036854775808\n", PW_EINVAL, "does not fit in a signed 64-bit integer"},
    {"a = -9223372036854775809\n", PW_EINVAL, "does not fit"},
    {"a = 0x8000000000000000\n", PW_EINVAL, "does not fit"},
    {"a = 1-2\n", PW_EINVAL, "invalid number '1-2'"},
    /* Spec: floats. */
    {"invalid_float_1 = .7\n", PW_EINVAL, "t:1:19: expected a value"},
    {"invalid_float_2 = 7.\n", PW_EINVAL, "expected digits after the decimal point"},
    {"invalid_float_3 = 3.e+20\n", PW_EINVAL, "expected digits after the decimal point"},
    {"a = 1e\n", PW_EINVAL, "expected digits in the exponent"},
    {"a = 1e+\n", PW_EINVAL, "expected digits in the exponent"},
    {"a = 1_.5\n", PW_EINVAL, "invalid number"},
    {"a = 1._5\n", PW_EINVAL, "invalid number"},
    {"a = 1.5e2.5\n", PW_EINVAL, "invalid number"},
    {"a = 01.5\n", PW_EINVAL, "leading zeros"},
    {"a = Inf\n", PW_EINVAL, "expected a value"},
    {"a = NaN\n", PW_EINVAL, "expected a value"},
    {"a = infinity\n", PW_EINVAL, "invalid number 'infinity'"},
    /* Booleans are lowercase. */
    {"a = True\n", PW_EINVAL, "expected a value"},
    {"a = tru\n", PW_EINVAL, "booleans are lowercase"},
    {"a = truex\n", PW_EINVAL, "booleans are lowercase"},
    {"a = true false\n", PW_EINVAL, "t:1:10: expected a new line"},
    /* Dates and times. */
    {"a = 1979-13-01\n", PW_EINVAL, "month 13 out of range"},
    {"a = 1979-02-30\n", PW_EINVAL, "day 30 out of range for 1979-02"},
    {"a = 2023-02-29\n", PW_EINVAL, "day 29 out of range for 2023-02"},
    {"a = 1900-02-29\n", PW_EINVAL, "day 29 out of range"},
    {"a = 1979-04-31\n", PW_EINVAL, "day 31 out of range"},
    {"a = 1979-05-00\n", PW_EINVAL, "day 00 out of range"},
    {"a = 1979-5-27\n", PW_EINVAL, "t:1:5: expected a date YYYY-MM-DD"},
    {"a = 1979-05-27T25:00:00\n", PW_EINVAL, "time 25:00:00 out of range"},
    {"a = 1979-05-27T07:60:00\n", PW_EINVAL, "out of range"},
    {"a = 1979-05-27T07:32\n", PW_EINVAL, "requires seconds"},
    {"a = 07:32\n", PW_EINVAL, "requires seconds"},
    {"a = 1979-05-27T07:32:00.\n", PW_EINVAL, "expected digits after the decimal point"},
    {"a = 07:32:00Z\n", PW_EINVAL, "expected the end of the date-time"},
    {"a = 1979-05-27T07:32:00+7:00\n", PW_EINVAL, "expected a time offset"},
    {"a = 1979-05-27T07:32:00+24:00\n", PW_EINVAL, "time offset out of range"},
    {"a = 1979-05-27T07:32:00Zx\n", PW_EINVAL, "expected the end of the date-time"},
    {"a = 1979-05-27X07:32:00\n", PW_EINVAL, "expected the end of the date-time"},
    /* Spec: arrays. */
    {"a = [1 2]\n", PW_EINVAL, "t:1:8: expected ',' or ']' in the array"},
    {"a = [1,,2]\n", PW_EINVAL, "t:1:8: expected a value"},
    {"a = [,]\n", PW_EINVAL, "expected a value"},
    {"a = [1, 2\n", PW_EINVAL, "found end of file"},
    {"a = [1, 2 # c \x01\n]\n", PW_EINVAL, "control character U+0001"},
    /* Spec: tables. */
    {"[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"\n", PW_EINVAL,
     "t:4:2: 'fruit' is already defined (line 1); a table cannot be defined twice"},
    {"[fruit]\napple = \"red\"\n\n[fruit.apple]\ntexture = \"smooth\"\n", PW_EINVAL,
     "t:4:8: 'fruit.apple' is already a string (line 2), not a table"},
    {"[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple]\n", PW_EINVAL,
     "'fruit.apple' is already defined (line 2) by dotted keys"},
    {"[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.taste]\n",
     PW_EINVAL, "'fruit.apple.taste' is already defined (line 3) by dotted keys"},
    {"a.b = 1\n[a]\n", PW_EINVAL, "by dotted keys"},
    {"[a]\n[a]\n", PW_EINVAL, "t:2:2: 'a' is already defined"},
    {"[a.b]\n[a]\n[a]\n", PW_EINVAL, "t:3:2: 'a' is already defined (line 2)"},
    {"a = 1\n[a]\n", PW_EINVAL, "'a' is already an integer"},
    {"a = 1\n[a.b]\n", PW_EINVAL, "'a' is already an integer"},
    {"[a\n", PW_EINVAL, "t:1:3: expected ']' closing the table header"},
    {"[]\n", PW_EINVAL, "t:1:2: expected a key"},
    {"[a]]\n", PW_EINVAL, "t:1:4: expected a new line or a comment after the table header"},
    {"[a] b = 1\n", PW_EINVAL, "after the table header"},
    {"[a.]\n", PW_EINVAL, "expected a key"},
    {"[a b]\n", PW_EINVAL, "expected ']'"},
    {"[[a]\n", PW_EINVAL, "expected ']]' closing the array-of-tables header"},
    {"[[a] ]\n", PW_EINVAL, "expected ']]'"},
    /* toml-test: dotted keys may not add to a table a header defined. */
    {"[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", PW_EINVAL,
     "t:4:3: 'b.c' was defined by a table header on line 1"},
    {"[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 1\n", PW_EINVAL, "'b.c.d' was defined by a table header"},
    {"[[a.b]]\n[a]\nb.y = 2\n", PW_EINVAL, "'b' is already an array of tables"},
    /* Spec: inline tables are self-contained. */
    {"[product]\ntype = { name = \"Nail\" }\ntype.edible = false  # INVALID\n", PW_EINVAL,
     "t:3:1: 'type' is an inline table (line 2); it cannot be extended"},
    {"[product]\ntype.name = \"Nail\"\ntype = { edible = false }  # INVALID\n", PW_EINVAL,
     "t:3:1: 'type' is defined twice (first on line 2)"},
    {"a = {}\n[a]\n", PW_EINVAL, "'a' is already defined"},
    {"a = {}\n[a.b]\n", PW_EINVAL, "'a' is an inline table"},
    {"a = { b = 1,\n c = 2 }\n", PW_EINVAL, "t:1:13: expected a key"},
    {"a = { b = 1\n}\n", PW_EINVAL, "t:1:12: expected ',' or '}' in the inline table"},
    {"a = { b = 1, }\n", PW_EINVAL, "t:1:14: expected a key after ',': inline tables take no "
                                    "trailing comma"},
    {"a = { b = 1, b = 2 }\n", PW_EINVAL, "t:1:14: 'b' is defined twice"},
    {"a = {,}\n", PW_EINVAL, "expected a key"},
    {"a = { b = { c = 1 }, b.d = 2 }\n", PW_EINVAL, "'b' is an inline table"},
    {"a = { b = 1 } # ok\na.c = 2\n", PW_EINVAL, "'a' is an inline table"},
    {"x = [{a = 1}]\n[x.b]\n", PW_EINVAL, "t:2:2: 'x' is already an array (line 1), not a table"},
    /* Spec: arrays of tables. */
    {"[fruit.physical]\ncolor = \"red\"\nshape = \"round\"\n\n[[fruit]]\nname = \"apple\"\n",
     PW_EINVAL, "t:5:3: 'fruit' is already a table (line 1); it cannot become an array of tables"},
    {"fruits = []\n\n[[fruits]] # Not allowed\n", PW_EINVAL,
     "t:3:3: 'fruits' is already an array (line 1)"},
    {"[[fruits]]\nname = \"apple\"\n\n[[fruits.varieties]]\nname = \"red delicious\"\n\n"
     "[fruits.varieties]\nname = \"granny smith\"\n",
     PW_EINVAL, "t:7:9: 'fruits.varieties' is already an array of tables (line 4), not a table"},
    {"[[fruits]]\n[fruits.physical]\ncolor = \"red\"\n\n[[fruits.physical]]\ncolor = \"green\"\n",
     PW_EINVAL, "t:5:10: 'fruits.physical' is already a table"},
    {"[[a]]\n[a]\n", PW_EINVAL, "'a' is already an array of tables"},
};

static void test_valid_documents(void **state)
{
    (void)state;
    pw_buf out = PW_BUF_INIT;
    size_t n = sizeof(valid_cases) / sizeof(valid_cases[0]);
    for (size_t i = 0; i < n; i++) {
        const valid_case *c = &valid_cases[i];
        pw_toml_value *root = NULL;
        pw_error err = {0};
        int rc = pw_toml_parse("t", c->doc, strlen(c->doc), &root, &err);
        if (rc != PW_OK)
            fail_msg("valid case %zu: %s\n%s", i, pw_error_message(&err), c->doc);
        pw_buf_reset(&out);
        dump(root, &out);
        if (strcmp(pw_buf_cstr(&out), c->expected) != 0)
            fail_msg("valid case %zu:\n got      %s\n expected %s", i, pw_buf_cstr(&out),
                     c->expected);
        pw_toml_free(root);
        pw_error_clear(&err);
    }
    pw_buf_free(&out);
    assert_true(n >= 60);
}

static void test_invalid_documents(void **state)
{
    (void)state;
    size_t n = sizeof(invalid_cases) / sizeof(invalid_cases[0]);
    for (size_t i = 0; i < n; i++) {
        const invalid_case *c = &invalid_cases[i];
        pw_toml_value *root = (pw_toml_value *)&root; /* must be reset to NULL */
        pw_error err = {0};
        int rc = pw_toml_parse("t", c->doc, strlen(c->doc), &root, &err);
        if (rc != c->code)
            fail_msg("invalid case %zu: rc %d, expected %d\n%s", i, rc, c->code, c->doc);
        assert_null(root);
        if (!strstr(pw_error_message(&err), c->message))
            fail_msg("invalid case %zu: message \"%s\" lacks \"%s\"", i, pw_error_message(&err),
                     c->message);
        assert_int_equal(err.code, c->code);
        pw_error_clear(&err);
    }
    assert_true(n >= 100);
}

/* Documents with an embedded NUL cannot go through strlen. */
static void test_embedded_nul(void **state)
{
    (void)state;
    static const char doc[] = "a = \"x\0y\"\n";
    pw_toml_value *root;
    pw_error err = {0};
    assert_int_equal(pw_toml_parse("t", doc, sizeof(doc) - 1, &root, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "t:1:7: control character U+0000"));
    pw_error_clear(&err);

    static const char escaped[] = "a = \"x\\u0000y\"\n";
    PW_ASSERT_OK(pw_toml_parse("t", escaped, sizeof(escaped) - 1, &root, &err), &err);
    const pw_toml_value *a = pw_toml_get(root, "a");
    assert_int_equal(pw_toml_string_len(a), 3);
    assert_memory_equal(pw_toml_string(a), "x\0y", 3);
    pw_toml_free(root);
}

static void nested(const char *open, const char *close, size_t depth, pw_buf *out)
{
    pw_buf_reset(out);
    pw_buf_puts(out, "a = ");
    for (size_t i = 0; i < depth; i++)
        pw_buf_puts(out, open);
    pw_buf_puts(out, "1");
    for (size_t i = 0; i < depth; i++)
        pw_buf_puts(out, close);
    pw_buf_puts(out, "\n");
}

static void test_depth_limit(void **state)
{
    (void)state;
    pw_buf doc = PW_BUF_INIT;
    pw_toml_value *root;
    pw_error err = {0};

    /* 128 arrays nested in one another are the most. */
    nested("[", "]", PW_TOML_MAX_DEPTH, &doc);
    PW_ASSERT_OK(pw_toml_parse("t", doc.data, doc.len, &root, &err), &err);
    pw_toml_free(root);
    nested("[", "]", PW_TOML_MAX_DEPTH + 1, &doc);
    assert_int_equal(pw_toml_parse("t", doc.data, doc.len, &root, &err), PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "nesting deeper than 128"));
    assert_null(root);

    nested("{b = ", "}", 100000, &doc);
    assert_int_equal(pw_toml_parse("t", doc.data, doc.len, &root, &err), PW_ELIMIT);

    /* Headers and dotted keys nest tables too. */
    pw_buf_reset(&doc);
    pw_buf_puts(&doc, "[a");
    for (size_t i = 0; i < 200; i++)
        pw_buf_puts(&doc, ".a");
    pw_buf_puts(&doc, "]\n");
    assert_int_equal(pw_toml_parse("t", doc.data, doc.len, &root, &err), PW_ELIMIT);

    pw_buf_reset(&doc);
    pw_buf_puts(&doc, "[x]\n");
    for (size_t i = 0; i < PW_TOML_MAX_DEPTH; i++)
        pw_buf_puts(&doc, "k.");
    pw_buf_puts(&doc, "k = 1\n");
    assert_int_equal(pw_toml_parse("t", doc.data, doc.len, &root, &err), PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "t:2:"));

    /* Deep but legal: dotted keys 120 deep. */
    pw_buf_reset(&doc);
    for (size_t i = 0; i < 120; i++)
        pw_buf_puts(&doc, "k.");
    pw_buf_puts(&doc, "k = 1\n");
    PW_ASSERT_OK(pw_toml_parse("t", doc.data, doc.len, &root, &err), &err);
    pw_toml_free(root);

    pw_error_clear(&err);
    pw_buf_free(&doc);
}

/* Tables with many keys switch to a hash index; duplicates must still be
 * found there, and document order kept. */
static void test_many_keys(void **state)
{
    (void)state;
    pw_buf doc = PW_BUF_INIT;
    for (int i = 0; i < 5000; i++)
        pw_buf_printf(&doc, "k%d = %d\n", i, i);
    pw_toml_value *root;
    pw_error err = {0};
    PW_ASSERT_OK(pw_toml_parse("t", doc.data, doc.len, &root, &err), &err);
    assert_int_equal(pw_toml_len(root), 5000);
    assert_string_equal(pw_toml_key_at(root, 4321), "k4321");
    assert_int_equal(pw_toml_integer(pw_toml_get(root, "k4999")), 4999);
    assert_int_equal(pw_toml_integer(pw_toml_get(root, "k17")), 17);
    assert_null(pw_toml_get(root, "k5000"));
    pw_toml_free(root);

    pw_buf_puts(&doc, "k2500 = 1\n");
    assert_int_equal(pw_toml_parse("t", doc.data, doc.len, &root, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "t:5001:1: 'k2500' is defined twice (first on line 2501)"));
    pw_error_clear(&err);
    pw_buf_free(&doc);
}

/* Every prefix of a rich document either parses or fails cleanly (run
 * under ASan/UBSan, this is a small deterministic fuzz). */
static void test_prefixes_never_crash(void **state)
{
    (void)state;
    static const char doc[] =
        "# pyproject\n[project]\nname = \"app\"\nversion = '1.0'\n"
        "dependencies = [\"a\", 'b', \"\"\"c\"\"\", '''d''',]\n"
        "x = { y = 1, z.w = [1.5e3, -inf, 0x1f, 0o7, 0b1, 1_000] }\n"
        "d = 1979-05-27T07:32:00.5-07:00\nt = 07:32:00\n"
        "s = \"\"\"a\\\n  b \\u00e9 \\U0001F600\"\"\"\n"
        "[[tool.x]]\nk.l = true\n[tool.x.sub]\n[[tool.x]]\r\nq = \"\xc3\xa9\"\n";
    for (size_t n = 0; n <= sizeof(doc) - 1; n++) {
        pw_toml_value *root = NULL;
        pw_error err = {0};
        int rc = pw_toml_parse("t", doc, n, &root, &err);
        if (rc == PW_OK) {
            assert_non_null(root);
            pw_toml_free(root);
        } else {
            assert_int_equal(rc, PW_EINVAL);
            assert_null(root);
            assert_non_null(strstr(pw_error_message(&err), "t:"));
        }
        pw_error_clear(&err);
    }
    pw_toml_value *root = NULL;
    pw_error err = {0};
    PW_ASSERT_OK(pw_toml_parse("t", doc, sizeof(doc) - 1, &root, &err), &err);
    pw_toml_free(root);
}

static void test_accessors(void **state)
{
    (void)state;
    static const char doc[] =
        "title = \"x\"\n"                                    /* 1 */
        "n = -42\n"                                          /* 2 */
        "f = 2.5\n"                                          /* 3 */
        "b = true\n"                                         /* 4 */
        "when = 2025-09-29\n"                                /* 5 */
        "list = [\n"                                         /* 6 */
        "  \"a\",\n"                                         /* 7 */
        "  \"b\",\n"                                         /* 8 */
        "]\n"                                                /* 9 */
        "[project]\n"                                        /* 10 */
        "name = \"app\"\n"                                   /* 11 */
        "[project.optional-dependencies]\n"                  /* 12 */
        "test = [\"pytest\"]\n"                              /* 13 */
        "[[item]]\n"                                         /* 14 */
        "[[item]]\n"                                         /* 15 */
        "id = 2\n";                                          /* 16 */
    pw_toml_value *root;
    pw_error err = {0};
    PW_ASSERT_OK(pw_toml_parse("doc.toml", doc, sizeof(doc) - 1, &root, &err), &err);
    assert_int_equal(pw_toml_type_of(root), PW_TOML_TABLE);
    assert_int_equal(pw_toml_len(root), 8);
    static const char *const keys[] = {"title", "n", "f", "b", "when", "list", "project", "item"};
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(pw_toml_key_at(root, i), keys[i]);
    assert_null(pw_toml_key_at(root, 8));
    assert_null(pw_toml_at(root, 8));

    const pw_toml_value *title = pw_toml_get(root, "title");
    assert_int_equal(pw_toml_type_of(title), PW_TOML_STRING);
    assert_string_equal(pw_toml_string(title), "x");
    assert_int_equal(pw_toml_line(title), 1);
    assert_int_equal(pw_toml_integer(title), 0);
    assert_int_equal(pw_toml_len(title), 0);
    assert_null(pw_toml_get(title, "x"));

    const pw_toml_value *n = pw_toml_get(root, "n");
    assert_int_equal(pw_toml_type_of(n), PW_TOML_INTEGER);
    assert_int_equal(pw_toml_integer(n), -42);
    assert_null(pw_toml_string(n));
    assert_true(pw_toml_float(n) == 0.0);
    assert_true(pw_toml_float(pw_toml_get(root, "f")) == 2.5);
    assert_true(pw_toml_bool(pw_toml_get(root, "b")));
    assert_false(pw_toml_bool(n));

    const pw_toml_value *when = pw_toml_get(root, "when");
    assert_int_equal(pw_toml_type_of(when), PW_TOML_DATETIME);
    assert_string_equal(pw_toml_string(when), "2025-09-29");
    assert_int_equal(pw_toml_line(when), 5);

    const pw_toml_value *list = pw_toml_get(root, "list");
    assert_int_equal(pw_toml_len(list), 2);
    assert_int_equal(pw_toml_line(list), 6);
    assert_string_equal(pw_toml_string(pw_toml_at(list, 1)), "b");
    assert_int_equal(pw_toml_line(pw_toml_at(list, 1)), 8);
    assert_null(pw_toml_at(list, 2));
    assert_null(pw_toml_key_at(list, 0));

    const pw_toml_value *test = pw_toml_get_path(root, "project.optional-dependencies.test");
    assert_non_null(test);
    assert_int_equal(pw_toml_line(test), 13);
    assert_string_equal(pw_toml_string(pw_toml_at(test, 0)), "pytest");
    assert_int_equal(pw_toml_line(pw_toml_get_path(root, "project")), 10);
    assert_int_equal(pw_toml_line(pw_toml_get_path(root, "project.optional-dependencies")), 12);
    assert_string_equal(pw_toml_string(pw_toml_get_path(root, "project.name")), "app");
    assert_null(pw_toml_get_path(root, "project.missing"));
    assert_null(pw_toml_get_path(root, "title.x"));
    assert_null(pw_toml_get_path(root, "project."));
    assert_null(pw_toml_get_path(NULL, "project"));

    const pw_toml_value *items = pw_toml_get(root, "item");
    assert_int_equal(pw_toml_type_of(items), PW_TOML_ARRAY);
    assert_int_equal(pw_toml_len(items), 2);
    assert_int_equal(pw_toml_line(pw_toml_at(items, 1)), 15);
    assert_int_equal(pw_toml_integer(pw_toml_get(pw_toml_at(items, 1), "id")), 2);
    assert_int_equal(pw_toml_len(pw_toml_at(items, 0)), 0);

    assert_null(pw_toml_get(NULL, "x"));
    assert_null(pw_toml_string(NULL));
    assert_int_equal(pw_toml_line(NULL), 0);
    pw_toml_free(root);
    pw_toml_free(NULL);
}

/* Columns count characters, so a message points at the right place on a
 * line with non-ASCII text. */
static void test_error_column_counts_characters(void **state)
{
    (void)state;
    static const char doc[] = "\xc3\xa9t\xc3\xa9 = 1\n\"\xc3\xa9\" = 2 3\n";
    pw_toml_value *root;
    pw_error err = {0};
    assert_int_equal(pw_toml_parse("f.toml", doc, sizeof(doc) - 1, &root, &err), PW_EINVAL);
    /* The bare key 'été' is not ASCII: error at column 1 of line 1. */
    assert_non_null(strstr(pw_error_message(&err), "f.toml:1:1: expected a key"));
    pw_error_clear(&err);
    static const char doc2[] = "a = 1\n\"\xc3\xa9\xc3\xa9\" = 2 3\n";
    assert_int_equal(pw_toml_parse("f.toml", doc2, sizeof(doc2) - 1, &root, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "f.toml:2:10: expected a new line"));
    pw_error_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_invalid_documents),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_prefixes_never_crash),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_error_column_counts_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
