#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "aws.h"

TestSuite(aws);

static const char *const colours[] = {"red", "green", NULL};
static const struct aws_member members[] = {
    {"Name", AWS_STRING, true, 1, 5, NULL, NULL},
    {"Count", AWS_INTEGER, false, 0, 10, NULL, NULL},
    {"Colour", AWS_STRING, false, -1, -1, NULL, colours},
    {"Policy", AWS_STRING, false, 1, 128, "[A-Za-z0-9_+=,.@-]+", NULL},
};

static int validate(const char *text, struct errbuf *err)
{
    json_t *j = json_loads(text, 0, NULL);
    int rc = aws_validate(j, members, ARRAY_LEN(members), err);
    json_decref(j);
    return rc;
}

/* aws_check's whole message (an errbuf would cut a long one). */
static char *check(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    char *msg = aws_check(j, members, ARRAY_LEN(members));
    json_decref(j);
    return msg;
}

Test(aws, validation_uses_aws_wording)
{
    struct errbuf err = {{0}, -1};
    cr_assert_eq(validate("{\"Name\":\"abc\",\"Count\":3,\"Colour\":\"red\"}", &err), 0);
    cr_assert_eq(validate("{}", &err), ERR_INVALID);
    cr_assert_str_eq(err.msg, "1 validation error detected: Value null at 'Name' failed to "
                              "satisfy constraint: Member must not be null");
    cr_assert_eq(validate("{\"Name\":\"abcdef\"}", &err), ERR_INVALID);
    cr_assert_str_eq(err.msg, "1 validation error detected: Value 'abcdef' at 'Name' failed to "
                              "satisfy constraint: Member must have length less than or equal "
                              "to 5");
    cr_assert_eq(validate("{\"Name\":\"a\",\"Count\":11}", &err), ERR_INVALID);
    cr_assert(strstr(err.msg, "less than or equal to 10"));
    cr_assert_eq(validate("{\"Name\":\"a\",\"Count\":\"3\"}", &err), ERR_INVALID);
    cr_assert(strstr(err.msg, "Member must be of type integer"));
    cr_assert_eq(validate("{\"Name\":\"a\",\"Colour\":\"blue\"}", &err), ERR_INVALID);
    cr_assert(strstr(err.msg, "enum value set"));
    cr_assert_eq(validate("{\"Name\":\"a\",\"Policy\":\"has space\"}", &err), ERR_INVALID);
    cr_assert(strstr(err.msg, "regular expression pattern"));
}

/* AWS lists every violation, a member breaking two constraints twice (recorded for an empty
 * logGroupName: its length and its pattern). */
Test(aws, validation_lists_every_broken_constraint)
{
    char *msg = check("{\"Count\":11,\"Colour\":\"blue\"}");
    cr_expect_str_eq(msg, "3 validation errors detected: Value null at 'Name' failed to "
                          "satisfy constraint: Member must not be null; Value '11' at 'Count' "
                          "failed to satisfy constraint: Member must have value less than or "
                          "equal to 10; Value 'blue' at 'Colour' failed to satisfy constraint: "
                          "Member must satisfy enum value set: [red, green]");
    free(msg);
    msg = check("{\"Name\":\"a\",\"Policy\":\"\"}");
    cr_expect_str_eq(msg, "2 validation errors detected: Value '' at 'Policy' failed to "
                          "satisfy constraint: Member must have length greater than or equal "
                          "to 1; Value '' at 'Policy' failed to satisfy constraint: Member "
                          "must satisfy regular expression pattern: [A-Za-z0-9_+=,.@-]+");
    free(msg);
    msg = check("{\"Name\":\"a\",\"Count\":\"3\"}");
    cr_expect_str_eq(msg, "1 validation error detected: Value at 'Count' failed to satisfy "
                          "constraint: Member must be of type integer");
    free(msg);
}

Test(aws, tokens_are_bound_to_their_query)
{
    char *t = aws_token_encode(250, "scope-a");
    int64_t off = 0;
    cr_assert_eq(aws_token_decode(t, "scope-a", &off), 0);
    cr_assert_eq(off, 250);
    cr_assert_eq(aws_token_decode(t, "scope-b", &off), ERR_INVALID);
    cr_assert_eq(aws_token_decode("garbage", "scope-a", &off), ERR_INVALID);
    free(t);
}

Test(aws, timestamps_accept_numbers_and_iso8601)
{
    json_t *j = json_loads("{\"a\":1700000000,\"b\":1700000000.25,\"c\":\"2023-11-14T22:13:20Z\","
                           "\"d\":\"yesterday\"}",
                           0, NULL);
    double t;
    cr_assert_eq(aws_get_time(j, "a", &t), 0);
    cr_assert_float_eq(t, 1700000000.0, 1e-9);
    cr_assert_eq(aws_get_time(j, "b", &t), 0);
    cr_assert_float_eq(t, 1700000000.25, 1e-9);
    cr_assert_eq(aws_get_time(j, "c", &t), 0);
    cr_assert_float_eq(t, 1700000000.0, 1e-9);
    cr_assert_eq(aws_get_time(j, "d", &t), ERR_INVALID);
    cr_assert_eq(aws_get_time(j, "missing", &t), ERR_NOTFOUND);
    json_decref(j);
}

Test(aws, region_comes_from_the_credential_scope)
{
    char region[32];
    cr_assert(aws_region_from_auth("AWS4-HMAC-SHA256 Credential=test/20240101/eu-west-1/xray/"
                                   "aws4_request, SignedHeaders=host, Signature=abc",
                                   region, sizeof(region)));
    cr_assert_str_eq(region, "eu-west-1");
    cr_assert_not(aws_region_from_auth(NULL, region, sizeof(region)));
    cr_assert_not(aws_region_from_auth("Bearer x", region, sizeof(region)));
}

Test(aws, restjson_errors_carry_type_header_and_both_message_spellings)
{
    struct http_reply rep = {.status = 200};
    aws_err_restjson(&rep, 400, "InvalidRequestException", "bad %s", "thing");
    cr_assert_eq(rep.status, 400);
    json_t *body = json_loadb(rep.body, rep.body_len, 0, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(body, "__type")), "InvalidRequestException");
    cr_assert_str_eq(json_string_value(json_object_get(body, "Message")), "bad thing");
    cr_assert_str_eq(json_string_value(json_object_get(body, "message")), "bad thing");
    bool has_type_header = false;
    for (int i = 0; i < rep.nheaders; i++) {
        if (strcmp(rep.header_names[i], "X-Amzn-ErrorType") == 0) {
            has_type_header = strcmp(rep.header_values[i], "InvalidRequestException") == 0;
        }
        free(rep.header_values[i]);
    }
    cr_assert(has_type_header);
    json_decref(body);
    free(rep.body);
}

Test(aws, validation_prints_values_as_aws_does)
{
    struct errbuf err = {{0}, -1};
    cr_assert_eq(validate("{\"Name\":\"a\",\"Count\":1000000}", &err), ERR_INVALID);
    cr_expect_str_eq(err.msg,
                     "1 validation error detected: Value '1000000' at 'Count' failed to "
                     "satisfy constraint: Member must have value less than or equal to 10");
    cr_assert_eq(validate("{\"Name\":\"a\",\"Colour\":\"blue\"}", &err), ERR_INVALID);
    cr_expect_str_eq(err.msg, "1 validation error detected: Value 'blue' at 'Colour' failed to "
                              "satisfy constraint: Member must satisfy enum value set: [red, "
                              "green]");
    json_t *list = json_loads("[{\"metricName\":\"m\",\"metricValue\":1.5}]", 0, NULL);
    char *shown = aws_value_text(list, "metricTransformations");
    cr_expect_str_eq(shown, "[MetricTransformation(metricName=m, metricValue=1.5)]");
    free(shown);
    json_decref(list);
}
