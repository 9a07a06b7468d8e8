from services.kernel.migrate import run_env
from services.scoring.models import metadata

run_env(metadata)
