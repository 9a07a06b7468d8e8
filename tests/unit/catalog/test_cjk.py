"""The CJK analyzer: Chinese as overlapping bigrams so two-character words match (issue 3, catalog)."""

from services.registry.catalog.cjk import analyze, analyze_parts, parse_query


def test_chinese_run_becomes_overlapping_bigrams_plus_trailing_unigram():
    assert analyze("交通运输") == ["交通", "通运", "运输", "输"]


def test_two_character_word_is_one_indexed_token():
    assert "交通" in analyze("市交通局公共交通数据") and "企业" in analyze("企业登记信息")


def test_latin_words_are_lowercased_and_split_from_chinese():
    assert analyze("GDP统计Open Data 2024年") == ["gdp", "统计", "计", "open", "data", "2024", "年"]


def test_full_width_forms_are_normalized():
    assert analyze("ＡＰＩ接口") == ["api", "接口", "口"]


def test_punctuation_separates_runs():
    assert analyze_parts("交通，企业。", None, "x_y") == ["交通", "通", "企业", "业", "x", "y"]


def test_query_run_is_a_phrase_of_bigrams():
    query = parse_query("交通运输 bus")
    assert query.fts5() == '"交通 通运 运输" AND "bus"'
    assert query.tsquery() == "('交通' <-> '通运' <-> '运输') & ('bus')"


def test_single_character_query_is_a_prefix():
    query = parse_query("交")
    assert query.fts5() == '"交"*' and query.tsquery() == "('交':*)"


def test_query_without_words_is_empty():
    assert not parse_query("  ，。!! ")


def test_overlong_token_is_truncated():
    assert len(analyze("a" * 5000)[0]) == 64


def test_compatibility_forms_are_normalized_like_nfkc():
    assert analyze("①号线ﬁle") == ["1", "号线", "线", "file"]


def test_title_scoped_queries_restrict_to_the_title():
    query = parse_query("交通 bus")
    assert query.fts5("title_tokens") == 'title_tokens : "交通" AND title_tokens : "bus"'
    assert query.tsquery("A") == "('交通':A) & ('bus':A)"
    assert parse_query("交").tsquery("A") == "('交':*A)"


def test_tsvector_literal_keeps_positions_and_weights():
    """PostgreSQL merges the repeated lexeme into '交通':1A,3B on input."""
    from services.registry.catalog.cjk import tsvector_literal

    assert tsvector_literal(["交通", "通"], ["交通", "bus"]) == "'交通':1A '通':2A '交通':3B 'bus':4B"
