#include <criterion/criterion.h>
#include <string.h>

#include "segment.h"

TestSuite(segment);

#define TID "1-581cf771-a006649127e371903a2de979"
#define MINIMAL                                                                                    \
    "{\"name\":\"example.com\",\"id\":\"70de5b6f19ff9a0a\",\"start_time\":1.478293361271E9,"       \
    "\"trace_id\":\"" TID "\",\"end_time\":1.478293361449E9}"

static enum segment_reject split(const char *dgram, const char **body, size_t *len)
{
    return segment_split_datagram(dgram, strlen(dgram), body, len);
}

static enum segment_reject parse(const char *doc, struct errbuf *err)
{
    struct segment s = {0};
    enum segment_reject r = segment_parse(doc, strlen(doc), &s, err);
    if (r == SEGMENT_OK) {
        segment_fini(&s);
    } else {
        cr_assert_null(s.doc, "a rejected document leaves out untouched");
    }
    return r;
}

/* Asserts that doc is rejected for reason r with exactly message msg. */
static void rejects(const char *doc, enum segment_reject r, const char *msg)
{
    struct errbuf err = {{0}, -1};
    enum segment_reject got = parse(doc, &err);
    cr_assert_eq(got, r, "%s: got %s (%s), want %s", doc, segment_reject_label(got), err.msg,
                 segment_reject_label(r));
    if (msg) {
        cr_assert_str_eq(err.msg, msg);
    }
}

Test(segment, header_with_and_without_spaces_is_accepted)
{
    const char *body;
    size_t len;
    cr_assert_eq(split("{\"format\": \"json\", \"version\": 1}\n" MINIMAL, &body, &len),
                 SEGMENT_OK);
    cr_assert_eq(len, strlen(MINIMAL));
    cr_assert_eq(memcmp(body, MINIMAL, len), 0);
    cr_assert_eq(split("{\"format\":\"json\",\"version\":1}\n{}", &body, &len), SEGMENT_OK);
    cr_assert_eq(len, 2);
    cr_assert_eq(split("{\"version\":1,\"format\":\"JSON\"}\n{}", &body, &len), SEGMENT_OK);
}

Test(segment, datagram_without_newline_or_body_has_no_header)
{
    const char *body = NULL;
    size_t len = 0;
    cr_assert_eq(split(MINIMAL, &body, &len), SEGMENT_REJECT_NO_HEADER);
    cr_assert_eq(split("{\"format\":\"json\",\"version\":1}\n", &body, &len),
                 SEGMENT_REJECT_NO_HEADER);
    cr_assert_eq(split("", &body, &len), SEGMENT_REJECT_NO_HEADER);
    cr_assert_null(body);
}

Test(segment, header_is_parsed_not_byte_compared)
{
    const char *body;
    size_t len;
    static const char *const bad[] = {
        "{\"format\":\"xml\",\"version\":1}\n{}",
        "{\"format\":\"json\",\"version\":2}\n{}",
        "{\"format\":\"json\",\"version\":\"1\"}\n{}",
        "{\"format\":\"json\",\"version\":1.0}\n{}",
        "{\"format\":\"json\"}\n{}",
        "{\"version\":1}\n{}",
        "[\"json\",1]\n{}",
        "format=json\n{}",
        "\n{}",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        cr_assert_eq(split(bad[i], &body, &len), SEGMENT_REJECT_BAD_HEADER, "%s", bad[i]);
    }
}

Test(segment, splits_at_the_first_newline_only)
{
    const char *body;
    size_t len;
    const char *d = "{\"format\":\"json\",\"version\":1}\n{\"a\":\n1}\n";
    cr_assert_eq(split(d, &body, &len), SEGMENT_OK);
    cr_assert_eq(len, strlen("{\"a\":\n1}\n"));
}

Test(segment, minimal_complete_segment_fills_the_struct)
{
    struct segment s;
    struct errbuf err = {{0}, -1};
    cr_assert_eq(segment_parse(MINIMAL, strlen(MINIMAL), &s, &err), SEGMENT_OK, "%s", err.msg);
    cr_assert_str_eq(s.trace_id, TID);
    cr_assert_str_eq(s.id, "70de5b6f19ff9a0a");
    cr_assert_str_eq(s.parent_id, "");
    cr_assert_not(s.is_subsegment);
    cr_assert_not(s.in_progress);
    cr_assert_float_eq(s.start_time, 1478293361.271, 1e-6);
    cr_assert_float_eq(s.end_time, 1478293361.449, 1e-6);
    cr_assert_str_eq(json_string_value(json_object_get(s.doc, "name")), "example.com");
    segment_fini(&s);
}

Test(segment, in_progress_segment_needs_no_end_time)
{
    struct segment s;
    const char *d = "{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
                    "\",\"start_time\":10,\"in_progress\":true}";
    cr_assert_eq(segment_parse(d, strlen(d), &s, NULL), SEGMENT_OK);
    cr_assert(s.in_progress);
    cr_assert_eq(s.end_time, 0);
    segment_fini(&s);
}

Test(segment, in_progress_false_means_complete_and_needs_end_time)
{
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":10,\"in_progress\":false}",
            SEGMENT_REJECT_MISSING_FIELD, "missing required field \"end_time\"");
}

Test(segment, independent_subsegment_needs_parent_id)
{
    struct segment s;
    const char *ok = "{\"type\":\"subsegment\",\"name\":\"DynamoDB\",\"id\":\"1111111111111111\","
                     "\"parent_id\":\"2222222222222222\",\"trace_id\":\"" TID
                     "\",\"start_time\":1,\"end_time\":2,\"namespace\":\"aws\"}";
    cr_assert_eq(segment_parse(ok, strlen(ok), &s, NULL), SEGMENT_OK);
    cr_assert(s.is_subsegment);
    cr_assert_str_eq(s.parent_id, "2222222222222222");
    segment_fini(&s);
    rejects(
        "{\"type\":\"subsegment\",\"name\":\"x\",\"id\":\"1111111111111111\",\"trace_id\":\"" TID
        "\",\"start_time\":1,\"end_time\":2}",
        SEGMENT_REJECT_MISSING_FIELD, "missing required field \"parent_id\"");
    rejects("{\"type\":\"subsegment\",\"name\":\"x\",\"id\":\"1111111111111111\","
            "\"parent_id\":\"2222222222222222\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_MISSING_FIELD, "missing required field \"trace_id\"");
}

Test(segment, every_required_field_is_reported_by_name)
{
    rejects("{\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_MISSING_FIELD, "missing required field \"name\"");
    rejects("{\"name\":\"a\",\"trace_id\":\"" TID "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_MISSING_FIELD, "missing required field \"id\"");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_MISSING_FIELD, "missing required field \"trace_id\"");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID "\",\"end_time\":2}",
            SEGMENT_REJECT_MISSING_FIELD, "missing required field \"start_time\"");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1}",
            SEGMENT_REJECT_MISSING_FIELD, "missing required field \"end_time\"");
}

Test(segment, not_json_not_object_and_too_large)
{
    struct errbuf err = {{0}, -1};
    cr_assert_eq(parse("{\"name\":", &err), SEGMENT_REJECT_NOT_JSON);
    cr_assert(strstr(err.msg, "not JSON") != NULL, "%s", err.msg);
    rejects("[1,2]", SEGMENT_REJECT_NOT_OBJECT, "the document is not a JSON object");
    rejects("\"segment\"", SEGMENT_REJECT_NOT_OBJECT, NULL);
    rejects("42", SEGMENT_REJECT_NOT_OBJECT, NULL);

    size_t n = SEGMENT_MAX_DOC + 1;
    char *big = xmalloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, MINIMAL, strlen(MINIMAL));
    big[n] = '\0';
    rejects(big, SEGMENT_REJECT_TOO_LARGE, "the document is 65537 bytes (at most 65536)");
    big[n - 1] = '\0'; /* exactly the limit, padded with whitespace: fine */
    cr_assert_eq(parse(big, NULL), SEGMENT_OK);
    free(big);
}

Test(segment, bad_trace_ids_are_refused_with_the_rule)
{
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"abc\",\"start_time\":1,"
            "\"end_time\":2}",
            SEGMENT_REJECT_BAD_TRACE_ID, "trace_id \"abc\" is not 1-<8 hex>-<24 hex>");
    static const char *const bad[] = {
        "2-581cf771-a006649127e371903a2de979",  "1-581cf77-a006649127e371903a2de9790",
        "1-581cf771-a006649127e371903a2de97g",  "1-581cf771_a006649127e371903a2de979",
        "1-581cf771-a006649127e371903a2de9791",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char doc[256];
        snprintf(doc, sizeof(doc),
                 "{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"%s\","
                 "\"start_time\":1,\"end_time\":2}",
                 bad[i]);
        rejects(doc, SEGMENT_REJECT_BAD_TRACE_ID, NULL);
    }
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":7,\"start_time\":1,"
            "\"end_time\":2}",
            SEGMENT_REJECT_WRONG_TYPE, "trace_id is not a string");
    cr_assert_eq(parse("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":"
                       "\"1-581CF771-A006649127E371903A2DE979\",\"start_time\":1,\"end_time\":2}",
                       NULL),
                 SEGMENT_OK);
}

Test(segment, ids_must_be_16_hex)
{
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_BAD_ID, "id \"70de5b6f19ff9a0\" is not 16 hex digits");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0z\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_BAD_ID, NULL);
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"parent_id\":\"xyz\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_BAD_ID, "parent_id \"xyz\" is not 16 hex digits");
    rejects("{\"name\":\"a\",\"id\":1234,\"trace_id\":\"" TID "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_WRONG_TYPE, "id is not a string");
}

Test(segment, names_are_limited_in_length_and_characters)
{
    char doc[1024], name[256];
    memset(name, 'n', 201);
    name[201] = '\0';
    snprintf(doc, sizeof(doc),
             "{\"name\":\"%s\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
             "\",\"start_time\":1,\"end_time\":2}",
             name);
    rejects(doc, SEGMENT_REJECT_BAD_NAME, "name is 201 characters long (at most 200)");
    name[200] = '\0';
    snprintf(doc, sizeof(doc),
             "{\"name\":\"%s\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
             "\",\"start_time\":1,\"end_time\":2}",
             name);
    cr_assert_eq(parse(doc, NULL), SEGMENT_OK);
    rejects("{\"name\":\"\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_BAD_NAME, "name is empty");
    rejects("{\"name\":\"<script>\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_BAD_NAME, NULL);
    /* jansson refuses \u0000 at parse time, so a NUL never reaches the name check. */
    rejects("{\"name\":\"a\\u0000b\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_NOT_JSON, NULL);
    rejects("{\"name\":[\"a\"],\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_WRONG_TYPE, "name is not a string");
}

Test(segment, names_allow_unicode_letters_and_the_listed_punctuation)
{
    /* 200 two-byte letters are 400 bytes but only 200 characters. */
    char doc[1024] = "{\"name\":\"", *p = doc + strlen(doc);
    for (int i = 0; i < 200; i++) {
        *p++ = (char)0xC3;
        *p++ = (char)0xA9; /* é */
    }
    snprintf(p, sizeof(doc) - (size_t)(p - doc),
             "\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
             "\",\"start_time\":1,\"end_time\":2}");
    cr_assert_eq(parse(doc, NULL), SEGMENT_OK);
    cr_assert_eq(parse("{\"name\":\"api.example.com:8080/v1 _%&#=+\\\\-@ \\u65e5\\u672c\","
                       "\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
                       "\",\"start_time\":1,\"end_time\":2}",
                       NULL),
                 SEGMENT_OK);
    /* A symbol outside letters/digits (U+2603 snowman) is refused. */
    rejects("{\"name\":\"snow\\u2603\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_BAD_NAME, NULL);
}

Test(segment, times_must_be_numbers_in_order)
{
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":\"1\",\"end_time\":2}",
            SEGMENT_REJECT_WRONG_TYPE, "start_time is not a number");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":3,\"end_time\":2}",
            SEGMENT_REJECT_BAD_TIME, "end_time is before start_time");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":-1,\"end_time\":2}",
            SEGMENT_REJECT_BAD_TIME, "start_time is negative or not finite");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":null}",
            SEGMENT_REJECT_WRONG_TYPE, "end_time is not a number");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"in_progress\":\"yes\"}",
            SEGMENT_REJECT_WRONG_TYPE, "in_progress is not a boolean");
    /* Integers count as numbers (epoch seconds without a fraction). */
    cr_assert_eq(parse("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
                       "\",\"start_time\":1,\"end_time\":1}",
                       NULL),
                 SEGMENT_OK);
}

Test(segment, annotation_values_must_be_scalars)
{
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"annotations\":{\"ok\":1,\"bad\":{\"x\":1}}}",
            SEGMENT_REJECT_WRONG_TYPE, "annotations.bad is not a string, number or boolean");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"annotations\":{\"n\":null}}",
            SEGMENT_REJECT_WRONG_TYPE, NULL);
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"annotations\":[1]}",
            SEGMENT_REJECT_WRONG_TYPE, "annotations is not an object");
    cr_assert_eq(parse("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
                       "\",\"start_time\":1,\"end_time\":2,"
                       "\"annotations\":{\"s\":\"v\",\"n\":1.5,\"b\":false}}",
                       NULL),
                 SEGMENT_OK);
}

Test(segment, typed_optional_members_are_checked)
{
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"fault\":\"true\"}",
            SEGMENT_REJECT_WRONG_TYPE, "fault is not a boolean");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"http\":\"GET /\"}",
            SEGMENT_REJECT_WRONG_TYPE, "http is not an object");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"subsegments\":{}}",
            SEGMENT_REJECT_WRONG_TYPE, "subsegments is not an array");
    rejects("{\"type\":\"segment\",\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2}",
            SEGMENT_REJECT_WRONG_TYPE, NULL);
}

Test(segment, embedded_subsegment_errors_name_the_path)
{
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"subsegments\":["
            "{\"name\":\"s0\",\"id\":\"1111111111111111\",\"start_time\":1,\"end_time\":2},"
            "{\"name\":\"s1\",\"id\":\"2222222222222222\",\"start_time\":1,\"end_time\":2},"
            "{\"name\":\"s2\",\"id\":\"33\",\"start_time\":1,\"end_time\":2}]}",
            SEGMENT_REJECT_BAD_SUBSEGMENT, "subsegments[2].id: \"33\" is not 16 hex digits");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"subsegments\":["
            "{\"name\":\"s0\",\"id\":\"1111111111111111\",\"end_time\":2}]}",
            SEGMENT_REJECT_BAD_SUBSEGMENT, "subsegments[0]: missing required field \"start_time\"");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"subsegments\":[7]}",
            SEGMENT_REJECT_BAD_SUBSEGMENT, "subsegments[0]: is not an object");
}

Test(segment, nested_subsegments_are_validated_at_depth)
{
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"subsegments\":["
            "{\"name\":\"s0\",\"id\":\"1111111111111111\",\"start_time\":1,\"end_time\":2,"
            "\"subsegments\":[{\"name\":\"s00\",\"id\":\"2222222222222222\",\"start_time\":1,"
            "\"end_time\":2,\"subsegments\":[{\"name\":\"deep\",\"id\":\"3333333333333333\","
            "\"start_time\":1,\"end_time\":2,\"annotations\":{\"k\":[1]}}]}]}]}",
            SEGMENT_REJECT_BAD_SUBSEGMENT,
            "subsegments[0].subsegments[0].subsegments[0].annotations.k: is not a string, number "
            "or boolean");
    rejects("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
            "\",\"start_time\":1,\"end_time\":2,\"subsegments\":["
            "{\"name\":\"s0\",\"id\":\"1111111111111111\",\"start_time\":5,\"end_time\":2}]}",
            SEGMENT_REJECT_BAD_SUBSEGMENT, "subsegments[0].end_time: is before start_time");
}

Test(segment, python_sdk_document_with_embedded_type_and_trace_id_is_accepted)
{
    /* Shape of a Debian python3-aws-xray-sdk 0.95 datagram (segment-document.md §11). */
    const char *d =
        "{\"id\":\"70de5b6f19ff9a0a\",\"name\":\"py-svc\",\"start_time\":1700000000.1,"
        "\"in_progress\":false,\"subsegments\":[{\"id\":\"1111111111111111\",\"name\":\"work\","
        "\"start_time\":1700000000.2,\"parent_id\":\"70de5b6f19ff9a0a\",\"in_progress\":false,"
        "\"annotations\":{\"k\":\"v\"},\"trace_id\":\"" TID "\",\"type\":\"subsegment\","
        "\"namespace\":\"local\",\"end_time\":1700000000.3}],\"trace_id\":\"" TID
        "\",\"end_time\":1700000000.4,\"aws\":{\"xray\":{\"sdk\":\"X-Ray for Python\"}}}";
    struct segment s;
    struct errbuf err = {{0}, -1};
    cr_assert_eq(segment_parse(d, strlen(d), &s, &err), SEGMENT_OK, "%s", err.msg);
    cr_assert_not(s.is_subsegment, "type on an embedded subsegment does not change the kind");
    cr_assert_not(s.in_progress);
    segment_fini(&s);
}

Test(segment, embedded_trace_id_and_parent_id_are_ignored)
{
    cr_assert_eq(parse("{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
                       "\",\"start_time\":1,\"end_time\":2,\"subsegments\":["
                       "{\"name\":\"s\",\"id\":\"1111111111111111\",\"start_time\":1,"
                       "\"in_progress\":true,\"trace_id\":\"junk\",\"parent_id\":3}]}",
                       NULL),
                 SEGMENT_OK);
}

Test(segment, unknown_fields_are_kept_untouched)
{
    const char *d = "{\"name\":\"a\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"" TID
                    "\",\"start_time\":1,\"end_time\":2,\"x_custom\":{\"deep\":[1,\"two\"]}}";
    struct segment s;
    cr_assert_eq(segment_parse(d, strlen(d), &s, NULL), SEGMENT_OK);
    json_t *want = json_loads("{\"deep\":[1,\"two\"]}", 0, NULL);
    cr_assert(json_equal(json_object_get(s.doc, "x_custom"), want));
    json_decref(want);
    segment_fini(&s);
}

Test(segment, validate_takes_its_own_reference)
{
    json_t *doc = json_loads(MINIMAL, 0, NULL);
    struct segment s;
    cr_assert_eq(segment_validate(doc, &s, NULL), SEGMENT_OK);
    json_decref(doc);
    cr_assert_str_eq(json_string_value(json_object_get(s.doc, "id")), "70de5b6f19ff9a0a");
    segment_fini(&s);
    segment_fini(&s); /* idempotent */
}

Test(segment, labels_and_trace_id_time)
{
    cr_assert_str_eq(segment_reject_label(SEGMENT_OK), "ok");
    cr_assert_str_eq(segment_reject_label(SEGMENT_REJECT_NO_HEADER), "no_header");
    cr_assert_str_eq(segment_reject_label(SEGMENT_REJECT_BAD_SUBSEGMENT), "bad_subsegment");
    cr_assert_float_eq(segment_trace_id_time(TID), (double)0x581cf771, 0.5);
}
