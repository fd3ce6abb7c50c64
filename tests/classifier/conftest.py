"""Synthetic Chinese corpora made here, so the fast tests need no real data."""

from __future__ import annotations

import random

import pytest

import classifier

TOPIC_WORDS = {
    "城乡建设": ["物业", "小区", "房屋", "拆迁", "装修", "电梯", "开发商", "公积金", "业主"],
    "环境保护": ["噪音", "污染", "排污", "废气", "臭味", "垃圾焚烧", "污水", "粉尘", "环保"],
    "交通运输": ["公交", "出租车", "地铁", "红绿灯", "停车", "驾驶", "客运", "站台", "路口"],
    "教育文体": ["学校", "老师", "学生", "幼儿园", "学费", "考试", "教育局", "课程", "校长"],
    "劳动和社会保障": ["工资", "社保", "养老金", "医保", "劳动合同", "退休", "加班", "失业", "工伤"],
    "卫生计生": ["医院", "医生", "护士", "疫苗", "生育", "诊所", "药品", "卫生院", "病人"],
    "商贸旅游": ["商场", "景区", "价格", "消费者", "超市", "游客", "商家", "退款", "门票"],
}
FILLER = ["我们", "反映", "一下", "这个", "情况", "已经", "很久", "希望", "尽快", "处理", "附近",
          "最近", "严重", "问题", "居民", "每天", "还是", "没有", "解决"]


def synthetic_corpus(per_label: int = 30, seed: int = 0) -> tuple[list[str], list[str]]:
    """Short messages whose topic words come from their label, wrapped in shared filler."""
    rng = random.Random(seed)
    texts, labels = [], []
    for label, words in TOPIC_WORDS.items():
        for _ in range(per_label):
            parts = rng.sample(words, 3) + rng.sample(FILLER, 4)
            rng.shuffle(parts)
            texts.append("".join(parts) + rng.choice(["。", "！", "，请回复。"]))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return synthetic_corpus()


@pytest.fixture(scope="session")
def model(corpus: tuple[list[str], list[str]]) -> classifier.Model:
    return classifier.train(*corpus, user_words=["东湖花园"])


@pytest.fixture(scope="session")
def model_dir(model: classifier.Model, tmp_path_factory: pytest.TempPathFactory):
    return classifier.save(model, tmp_path_factory.mktemp("model"))
