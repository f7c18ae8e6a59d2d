"""Reading flow templates: parsed once per text, every reader gets a document of its own."""
from definitions import read_template

from .helpers import DEAL_YAML, FILE


def test_an_unchanged_template_is_not_parsed_again_but_each_reader_owns_its_document(tmp_path):
    path = tmp_path / "deal.yaml"
    path.write_text(DEAL_YAML, encoding="utf-8")

    first, second = read_template(path, FILE), read_template(path, FILE)

    assert first.document == second.document
    assert first.document is not second.document
    first.document["states"].clear()
    assert read_template(path, FILE).document == second.document


def test_an_edited_template_is_read_again(tmp_path):
    path = tmp_path / "deal.yaml"
    path.write_text(DEAL_YAML, encoding="utf-8")
    read_template(path, FILE)

    path.write_text(DEAL_YAML.replace("en: Deal}", "en: Dealt}", 1), encoding="utf-8")

    assert read_template(path, FILE).document["title"] == {"zh": "交易", "en": "Dealt"}
