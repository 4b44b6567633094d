from services.coin.repository import CoinBase
from services.common.migrations import run_env

run_env(CoinBase.metadata)
