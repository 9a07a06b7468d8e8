"""``pdr scoring`` commands that need no database."""

from typer.testing import CliRunner

from services.cli.main import app


def test_pdr_scoring_ahp_prints_weights_and_cr():
    result = CliRunner().invoke(app, ["scoring", "ahp", "[[1,5,4],[0.2,1,0.3333333],[0.25,3,1]]"])
    assert result.exit_code == 0 and '"consistency_ratio": 0.07' in result.stdout


def test_pdr_scoring_ahp_refuses_inconsistent_judgements():
    result = CliRunner().invoke(app, ["scoring", "ahp", "[[1,9,0.1111111],[0.1111111,1,9],[9,0.1111111,1]]"])
    assert result.exit_code == 1


def test_pdr_scoring_default_model_prints_the_six_dimensions():
    result = CliRunner().invoke(app, ["scoring", "default-model"])
    assert result.exit_code == 0 and result.stdout.count("  - code: ") >= 6 and "circulation_operation" in result.stdout
